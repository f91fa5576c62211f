using System.Text.Json.Nodes;

namespace FineTune.Api.OpenAi;

/// <summary>
/// OpenAI's <c>fine_tuning.job</c> object for a FineTune job; docs/api.md maps each field to the native job.
/// </summary>
public sealed record OpenAiJob
{
    /// <summary><c>ftjob-</c> and the job's UUID in hex.</summary>
    public required string Id { get; init; }

    /// <summary>Always <c>fine_tuning.job</c>.</summary>
    public string Object => "fine_tuning.job";

    /// <summary>Unix seconds.</summary>
    public required long CreatedAt { get; init; }

    /// <summary>Why it failed; null unless failed.</summary>
    public OpenAiJobError? Error { get; init; }

    /// <summary>The adapter's name once succeeded (<c>ft:MODEL:SUFFIX:JOBHEX</c>), else null.</summary>
    public string? FineTunedModel { get; init; }

    /// <summary>Unix seconds, once final.</summary>
    public long? FinishedAt { get; init; }

    /// <summary>n_epochs, batch_size, learning_rate_multiplier: <c>auto</c> until the job runs, then the values used.</summary>
    public required JsonObject Hyperparameters { get; init; }

    /// <summary>The base model.</summary>
    public required string Model { get; init; }

    /// <summary>The tenant (OpenAI's organization).</summary>
    public required string OrganizationId { get; init; }

    /// <summary>The output files (adapter, config, log, result) as file ids; <c>GET /v1/files/{id}/content</c> serves them.</summary>
    public IReadOnlyList<string> ResultFiles { get; init; } = [];

    /// <summary>
    /// validating_files, queued, running, paused, succeeded, failed or cancelled (a cancel or pause in progress shows as
    /// running until the worker has stopped).
    /// </summary>
    public required string Status { get; init; }

    /// <summary>Tokens trained on; null before training.</summary>
    public long? TrainedTokens { get; init; }

    /// <summary>The training file id.</summary>
    public required string TrainingFile { get; init; }

    /// <summary>The validation file id, or null.</summary>
    public string? ValidationFile { get; init; }

    /// <summary>Always empty: FineTune has no integrations.</summary>
    public IReadOnlyList<object> Integrations { get; init; } = [];

    /// <summary>The seed.</summary>
    public long? Seed { get; init; }

    /// <summary>Unix seconds at which the job is expected to finish, from its pace so far; null when unknown.</summary>
    public long? EstimatedFinish { get; init; }

    /// <summary>The suffix as submitted.</summary>
    public string? UserProvidedSuffix { get; init; }

    /// <summary>Metadata as submitted.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary><c>{type: "supervised", supervised: {hyperparameters}}</c>.</summary>
    public required JsonObject Method { get; init; }

    /// <summary>FineTune: the backend that runs it.</summary>
    public string? Backend { get; init; }

    /// <summary>FineTune: the latest step and the planned steps, once training has started.</summary>
    public JsonObject? Progress { get; init; }
}

/// <summary>OpenAI's job error.</summary>
/// <param name="Code">A stable code (<c>training_failed</c>, <c>out_of_memory</c>, ...).</param>
/// <param name="Message">What happened.</param>
/// <param name="Param">The field at fault, or null.</param>
public sealed record OpenAiJobError(string Code, string Message, string? Param);
