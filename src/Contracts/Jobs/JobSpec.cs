using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;

namespace FineTune.Contracts.Jobs;

/// <summary>
/// A fine-tuning job as submitted (<c>POST /v1/jobs</c>), after strict parsing by <see cref="JobSpecParser"/>: the
/// model and dataset references, the backend and its options, and the resolved training configuration.
/// </summary>
public sealed record JobSpec
{
    /// <summary>Model name: a folder under the models directory, or a hub id where downloads are enabled.</summary>
    public required string Model { get; init; }

    /// <summary>Dataset id of the training data.</summary>
    public required string TrainingFile { get; init; }

    /// <summary>Dataset id of the validation data, or null (a seeded share of the training data is held out).</summary>
    public string? ValidationFile { get; init; }

    /// <summary>Backend name.</summary>
    public required string Backend { get; init; }

    /// <summary>Backend options as given (validated against the backend's schema).</summary>
    public JsonObject? BackendOptions { get; init; }

    /// <summary>Hyperparameters with defaults filled in; <c>auto</c> values stay marked as auto for the trainer.</summary>
    public required TrainingConfig Config { get; init; }

    /// <summary>Dataset format name, or null to detect.</summary>
    public string? Format { get; init; }

    /// <summary>Tabular grouping column (also the entity column under entity-level DP).</summary>
    public string? GroupBy { get; init; }

    /// <summary>Train on every token.</summary>
    public bool AllTokens { get; init; }

    /// <summary>Chat template name, or null for the tokenizer's.</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Free-form string metadata echoed back on the job.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; init; } = new Dictionary<string, string>();

    /// <summary>The longest suffix accepted.</summary>
    public const int MaxSuffixLength = 64;

    /// <summary>A name part for the adapter (<c>ft:BASE:SUFFIX:JOB</c>), as OpenAI's <c>suffix</c>; null for none.</summary>
    public string? Suffix { get; init; }

    /// <summary>
    /// The training run this spec asks for, once its host has put the files in place: the one spec-to-request mapping,
    /// used by the worker (for a queued job) and by <c>finetune train</c> (which builds a spec from its flags), so the
    /// same job trains with the same configuration wherever it runs. Host-only settings (resuming, merging, the device
    /// a worker assigns, an upload's format) are the caller's, added with <c>with</c>.
    /// </summary>
    /// <param name="modelFolder">The model folder <see cref="Model"/> resolved to.</param>
    /// <param name="dataFile">Where the training data is.</param>
    /// <param name="validationFile">Where the validation data is, or null (a share of the training data is held out).</param>
    /// <param name="outputDir">The folder receiving the adapter, logs, checkpoints and result.</param>
    public TrainingRequest ToTrainingRequest(string modelFolder, string dataFile, string? validationFile, string outputDir)
    {
        return new TrainingRequest
        {
            ModelFolder = modelFolder,
            BaseModelName = Model,
            DataFile = dataFile,
            ValidationFile = validationFile,
            Format = Format,
            GroupBy = GroupBy,
            ChatTemplate = ChatTemplate,
            AllTokens = AllTokens,
            OutputDir = outputDir,
            Config = Config,
            BackendOptions = BackendOptions,
        };
    }
}
