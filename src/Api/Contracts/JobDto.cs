using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>A fine-tuning job, shaped like OpenAI's <c>fine_tuning.job</c> with FineTune's LoRA and privacy settings.</summary>
public sealed record JobDto
{
    /// <summary>The job ID.</summary>
    public required Guid Id { get; init; }

    /// <summary>Always <c>fine_tuning.job</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "fine_tuning.job";

    /// <summary>validating_files, queued, running, cancelling, pausing, paused, succeeded, failed or cancelled.</summary>
    public required string Status { get; init; }

    /// <summary>The base model's name (see <c>GET /v1/models</c>).</summary>
    public required string Model { get; init; }

    /// <summary>The training dataset's ID.</summary>
    public required string TrainingFile { get; init; }

    /// <summary>The validation dataset's ID, or null (a seeded share of the training data is held out).</summary>
    public string? ValidationFile { get; init; }

    /// <summary>The backend that runs it (see <c>GET /v1/backends</c>).</summary>
    public required string Backend { get; init; }

    /// <summary>
    /// Device memory the job needs per worker, estimated at submit from the model, dtype, batch size and sequence
    /// length; only a worker with at least this much per job (its smallest GPU) claims it.
    /// </summary>
    public long RequiredMemoryBytes { get; init; }

    /// <summary>
    /// Why the job may wait: no live worker offers its backend, or none has its required memory. Empty once a worker
    /// could claim it, and while it runs or after it ends.
    /// </summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>The backend options as submitted.</summary>
    public JsonObject? BackendOptions { get; init; }

    /// <summary>The training settings with every default filled in; <c>auto</c> where the trainer decides.</summary>
    public HyperparametersDto? Hyperparameters { get; init; }

    /// <summary>The LoRA adapter settings with defaults filled in.</summary>
    public LoraDto? Lora { get; init; }

    /// <summary>The differential-privacy settings and the ε spent so far; null for a job trained without DP.</summary>
    public PrivacyDto? Privacy { get; init; }

    /// <summary>The seed of LoRA initialisation, data order and dropout.</summary>
    public long? Seed { get; init; }

    /// <summary>The suffix as submitted (part of <see cref="FineTunedModel"/>).</summary>
    public string? Suffix { get; init; }

    /// <summary>The adapter's name once the job succeeded (<c>ft:BASE:SUFFIX:JOBHEX</c>, as OpenAI names fine-tuned
    /// models); null before.</summary>
    public string? FineTunedModel { get; init; }

    /// <summary>While running: when it should finish, in Unix seconds, from its pace so far.</summary>
    public long? EstimatedFinish { get; init; }

    /// <summary>Free-form metadata as submitted.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The latest step the worker reported; null before training starts.</summary>
    public ProgressDto? Progress { get; init; }

    /// <summary>Tokens trained on so far (the final count once succeeded).</summary>
    public long? TrainedTokens { get; init; }

    /// <summary>Why the job failed; null unless status is failed.</summary>
    public JobErrorDto? Error { get; init; }

    /// <summary>Which attempt runs or ran last (jobs are retried after transient failures).</summary>
    public int Attempt { get; init; }

    /// <summary>When it was submitted, in Unix seconds.</summary>
    public required long CreatedAt { get; init; }

    /// <summary>When its latest attempt started, in Unix seconds.</summary>
    public long? StartedAt { get; init; }

    /// <summary>When it reached a final status, in Unix seconds.</summary>
    public long? FinishedAt { get; init; }

    /// <summary>The output files (adapter, config, log, result) stored so far.</summary>
    public IReadOnlyList<ArtifactDto> Artifacts { get; init; } = [];
}
