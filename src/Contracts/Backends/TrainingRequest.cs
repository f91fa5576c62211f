using System.Text.Json.Nodes;
using FineTune.Contracts.Configs;

namespace FineTune.Contracts.Backends;

/// <summary>One training run as a backend receives it: where things are, the hyperparameters, backend options.</summary>
public sealed record TrainingRequest
{
    /// <summary>Hugging Face model folder (already resolved from a hub id).</summary>
    public required string ModelFolder { get; init; }

    /// <summary>How result files name the base model (hub id or folder).</summary>
    public required string BaseModelName { get; init; }

    /// <summary>Training data file (JSON array, JSONL or CSV).</summary>
    public required string DataFile { get; init; }

    /// <summary>Optional separate validation file; otherwise a seeded share of the training data.</summary>
    public string? ValidationFile { get; init; }

    /// <summary>Share of examples held out for validation when no file is given (0 disables).</summary>
    public double ValidationFraction { get; init; } = 0.1;

    /// <summary>Dataset format name, or null to detect it.</summary>
    public string? Format { get; init; }

    /// <summary>Tabular: column whose records form one example.</summary>
    public string? GroupBy { get; init; }

    /// <summary>Tabular: order of records within a group.</summary>
    public string? OrderBy { get; init; }

    /// <summary>Chat template name, or null for the tokenizer's own family (Alpaca for base models).</summary>
    public string? ChatTemplate { get; init; }

    /// <summary>Train on every token instead of assistant/completion tokens only.</summary>
    public bool AllTokens { get; init; }

    /// <summary>Folder receiving the adapter, logs, checkpoints and result.json.</summary>
    public required string OutputDir { get; init; }

    /// <summary>Also write the base model with the adapter merged in, to <c>OutputDir/merged</c>.</summary>
    public bool Merge { get; init; }

    /// <summary>Checkpoint folder to resume from.</summary>
    public string? ResumeFrom { get; init; }

    /// <summary>Hyperparameters.</summary>
    public required TrainingConfig Config { get; init; }

    /// <summary>Backend-specific options, validated against the backend's schema (unknown keys are errors).</summary>
    public JsonObject? BackendOptions { get; init; }
}
