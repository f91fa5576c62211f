using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Text.Chat;

namespace FineTune.Contracts.Jobs;

/// <summary>
/// Parses a job spec strictly: every unknown field, wrong type or invalid value is an error naming its dotted path
/// (never silently ignored); every number must be finite and within <see cref="JobSpecBounds"/>, and format and
/// chat_template must be known names; then the resolved configuration is validated as the trainer would, and the
/// backend checks its own options. The API runs it once, at submit (to answer 422), and stores the spec it returns
/// resolved (<see cref="JobSpecJson"/>); the worker reads that form, and parses only a job stored before it.
/// </summary>
public static partial class JobSpecParser
{
    private static readonly string[] s_top = ["model", "training_file", "validation_file", "backend", "backend_options", "hyperparameters", "lora", "privacy", "seed", "metadata", "format", "group_by", "all_tokens", "chat_template", "suffix"];
    private static readonly string[] s_hyper = ["n_epochs", "steps", "batch_size", "learning_rate", "grad_accum", "max_seq_len", "lr_schedule", "warmup_ratio", "weight_decay", "max_grad_norm", "eval_every", "save_every", "save_each_epoch", "packing", "gradient_checkpointing"];
    private static readonly string[] s_lora = ["r", "alpha", "dropout", "target_modules", "use_rslora"];
    private static readonly string[] s_privacy = ["target_epsilon", "delta", "max_grad_norm", "noise_multiplier", "accountant", "expected_batch_size", "entity_column", "seed", "audit"];
    private static readonly string[] s_audit = ["canaries", "canary_length"];

    // TrainingConfig property names (as ArgumentException.ParamName) → the field a user wrote.
    private static readonly Dictionary<string, string> s_fieldOf = new()
    {
        ["MaxSteps"] = "hyperparameters.steps", ["Epochs"] = "hyperparameters.n_epochs", ["LearningRate"] = "hyperparameters.learning_rate",
        ["LrSchedule"] = "hyperparameters.lr_schedule", ["WarmupRatio"] = "hyperparameters.warmup_ratio", ["MicroBatchSize"] = "hyperparameters.batch_size",
        ["GradientAccumulation"] = "hyperparameters.grad_accum", ["MaxSeqLength"] = "hyperparameters.max_seq_len", ["MaxGradNorm"] = "hyperparameters.max_grad_norm",
        ["WeightDecay"] = "hyperparameters.weight_decay", ["EvalEvery"] = "hyperparameters.eval_every", ["SaveEvery"] = "hyperparameters.save_every", ["SaveEachEpoch"] = "hyperparameters.save_each_epoch",
        ["Packing"] = "hyperparameters.packing", ["GradientCheckpointing"] = "hyperparameters.gradient_checkpointing", ["Rank"] = "lora.r", ["Alpha"] = "lora.alpha", ["Dropout"] = "lora.dropout", ["TargetModules"] = "lora.target_modules",
        ["TargetEpsilon"] = "privacy.target_epsilon", ["Delta"] = "privacy.delta", ["NoiseMultiplier"] = "privacy.noise_multiplier",
        ["Accountant"] = "privacy.accountant", ["ExpectedBatchSize"] = "privacy.expected_batch_size",
        ["Canaries"] = "privacy.audit.canaries", ["CanaryLength"] = "privacy.audit.canary_length",
    };

    /// <summary>Parses and validates; returns the spec, or null with every error found.</summary>
    /// <remarks>
    /// Fields are read in a fixed order (top-level names, hyperparameters, lora, privacy, the rest), so the errors of
    /// a spec always come back in the same order; the resolved config is validated only when every field read cleanly.
    /// </remarks>
    public static (JobSpec? Spec, IReadOnlyList<JobSpecError> Errors) Parse(JsonElement json)
    {
        if (RejectWhole(json) is { } rejected)
        {
            return (null, [rejected]);
        }
        var errors = new List<JobSpecError>();
        var read = new FieldReader(errors);
        read.RejectUnknown(json, "", s_top);
        string? model = read.String(json, "model", required: true);
        string? trainingFile = read.String(json, "training_file", required: true);
        string backendName = read.String(json, "backend") ?? LibtorchDescriptor.Cpu.Name;
        JsonObject? backendOptions = read.Object(json, "backend_options");
        TrainingConfig config = ReadHyperparameters(json, read);
        LoraConfig lora = ReadLora(json, read);
        string? groupBy = read.String(json, "group_by");
        (config, groupBy) = ReadPrivacy(json, config, groupBy, errors, read);
        config = config with { Lora = lora, Seed = read.Long(json, "", "seed") ?? config.Seed };
        Dictionary<string, string> metadata = ReadMetadata(json, errors, read);
        string? format = ReadFormat(json, errors, read);
        string? chatTemplate = read.Choice(json, "chat_template", ChatTemplates.Names);
        string? validationFile = read.String(json, "validation_file");
        string? suffix = ReadSuffix(json, errors, read);
        bool allTokens = read.Bool(json, "", "all_tokens") ?? false;
        ValidateConfig(config, errors);
        ValidateBackend(backendName, backendOptions, errors);
        if (errors.Count > 0)
        {
            return (null, errors);
        }
        return (new JobSpec
        {
            Model = model!,
            TrainingFile = trainingFile!,
            ValidationFile = validationFile,
            Backend = backendName,
            BackendOptions = backendOptions,
            Config = config,
            Format = format,
            GroupBy = groupBy,
            AllTokens = allTokens,
            ChatTemplate = chatTemplate,
            Metadata = metadata,
            Suffix = suffix,
        }, errors);
    }

    // What makes the spec unreadable as a whole, so no field is worth reading.
    private static JobSpecError? RejectWhole(JsonElement json)
    {
        if (json.ValueKind != JsonValueKind.Object)
        {
            return new JobSpecError("", "the job spec must be a JSON object");
        }
        if (JsonTextCheck.FindUnreadable(json) is { } unreadable)
        {
            return new JobSpecError(unreadable, "is not valid text: it holds an escaped lone UTF-16 surrogate (\\ud800-\\udfff without its pair)");
        }
        return null;
    }

    private static void ValidateConfig(TrainingConfig config, List<JobSpecError> errors)
    {
        if (errors.Count > 0)
        {
            return;
        }
        try
        {
            config.Validate();
        }
        catch (ArgumentException e)
        {
            string field = e.ParamName is { } name && s_fieldOf.TryGetValue(name, out string? path) ? path : e.ParamName ?? "";
            errors.Add(new JobSpecError(field, FirstSentence(e.Message)));
        }
    }

    private static void ValidateBackend(string name, JsonObject? options, List<JobSpecError> errors)
    {
        IBackendDescriptor backend;
        try
        {
            backend = BackendDescriptors.Get(name);
        }
        catch (BackendOptionsException e)
        {
            errors.Add(new JobSpecError("backend", FirstSentence(e.Message)));
            return;
        }
        try
        {
            backend.ValidateOptions(options);
        }
        catch (BackendOptionsException e)
        {
            errors.Add(new JobSpecError(e.ParamName is { } option ? $"backend_options.{option}" : "backend_options", FirstSentence(e.Message)));
        }
    }

    // ArgumentException appends " (Parameter 'x')"; the field path already says which.
    private static string FirstSentence(string message)
    {
        int at = message.IndexOf(" (Parameter '", StringComparison.Ordinal);
        return at < 0 ? message : message[..at];
    }
}
