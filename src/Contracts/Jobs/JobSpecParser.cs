using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Text.Chat;
using FineTune.Text.Data;

namespace FineTune.Contracts.Jobs;

/// <summary>
/// Parses a job spec strictly: every unknown field, wrong type or invalid value is an error naming its dotted path
/// (never silently ignored); every number must be finite and within <see cref="JobSpecBounds"/>, and format and
/// chat_template must be known names; then the resolved configuration is validated as the trainer would, and the
/// backend checks its own options. The same parser runs in the API (to answer 422) and in the worker (to run the job).
/// </summary>
public static class JobSpecParser
{
    private static readonly string[] s_top = ["model", "training_file", "validation_file", "backend", "backend_options", "hyperparameters", "lora", "privacy", "seed", "metadata", "format", "group_by", "all_tokens", "chat_template", "suffix"];
    private static readonly string[] s_hyper = ["n_epochs", "steps", "batch_size", "learning_rate", "grad_accum", "max_seq_len", "lr_schedule", "warmup_ratio", "weight_decay", "max_grad_norm", "eval_every", "save_every", "packing"];
    private static readonly string[] s_lora = ["r", "alpha", "dropout", "target_modules", "use_rslora"];
    private static readonly string[] s_privacy = ["target_epsilon", "delta", "max_grad_norm", "noise_multiplier", "accountant", "expected_batch_size", "entity_column", "seed", "audit"];
    private static readonly string[] s_audit = ["canaries", "canary_length"];

    // TrainingConfig property names (as ArgumentException.ParamName) → the field a user wrote.
    private static readonly Dictionary<string, string> s_fieldOf = new()
    {
        ["MaxSteps"] = "hyperparameters.steps", ["Epochs"] = "hyperparameters.n_epochs", ["LearningRate"] = "hyperparameters.learning_rate",
        ["LrSchedule"] = "hyperparameters.lr_schedule", ["WarmupRatio"] = "hyperparameters.warmup_ratio", ["MicroBatchSize"] = "hyperparameters.batch_size",
        ["GradientAccumulation"] = "hyperparameters.grad_accum", ["MaxSeqLength"] = "hyperparameters.max_seq_len", ["MaxGradNorm"] = "hyperparameters.max_grad_norm",
        ["WeightDecay"] = "hyperparameters.weight_decay", ["EvalEvery"] = "hyperparameters.eval_every", ["SaveEvery"] = "hyperparameters.save_every",
        ["Packing"] = "hyperparameters.packing", ["Rank"] = "lora.r", ["Alpha"] = "lora.alpha", ["Dropout"] = "lora.dropout", ["TargetModules"] = "lora.target_modules",
        ["TargetEpsilon"] = "privacy.target_epsilon", ["Delta"] = "privacy.delta", ["NoiseMultiplier"] = "privacy.noise_multiplier",
        ["Accountant"] = "privacy.accountant", ["ExpectedBatchSize"] = "privacy.expected_batch_size",
        ["Canaries"] = "privacy.audit.canaries", ["CanaryLength"] = "privacy.audit.canary_length",
    };

    /// <summary>Parses and validates; returns the spec, or null with every error found.</summary>
    public static (JobSpec? Spec, IReadOnlyList<JobSpecError> Errors) Parse(JsonElement json)
    {
        var errors = new List<JobSpecError>();
        var read = new FieldReader(errors);
        if (json.ValueKind != JsonValueKind.Object)
        {
            return (null, [new JobSpecError("", "the job spec must be a JSON object")]);
        }
        if (JsonTextCheck.FindUnreadable(json) is { } unreadable)
        {
            return (null, [new JobSpecError(unreadable, "is not valid text: it holds an escaped lone UTF-16 surrogate (\\ud800-\\udfff without its pair)")]);
        }
        read.RejectUnknown(json, "", s_top);
        string? model = read.String(json, "model", required: true);
        string? trainingFile = read.String(json, "training_file", required: true);
        string backendName = read.String(json, "backend") ?? LibtorchDescriptor.Cpu.Name;
        JsonObject? backendOptions = read.Object(json, "backend_options");
        // With no learning_rate given the rate is chosen by model size (auto), as OpenAI's API defaults to auto.
        var defaults = new TrainingConfig { AutoLearningRate = true };
        var lora = new LoraConfig();
        TrainingConfig config = defaults;
        if (json.TryGetProperty("hyperparameters", out JsonElement h) && read.IsObject(h, "hyperparameters"))
        {
            read.RejectUnknown(h, "hyperparameters.", s_hyper);
            config = config with
            {
                Epochs = read.NumberOrAuto(h, "hyperparameters.", "n_epochs", out bool autoEpochs) ?? defaults.Epochs,
                AutoEpochs = autoEpochs,
                MaxSteps = read.Long(h, "hyperparameters.", "steps"),
                LearningRate = read.NumberOrAuto(h, "hyperparameters.", "learning_rate", out bool autoLr) ?? defaults.LearningRate,
                // null means the same as absent (as on the OpenAI surface): auto, not the fixed default rate.
                AutoLearningRate = autoLr || !h.TryGetProperty("learning_rate", out JsonElement givenRate) || givenRate.ValueKind == JsonValueKind.Null,
                MicroBatchSize = (int?)read.NumberOrAuto(h, "hyperparameters.", "batch_size", out bool autoBatch) ?? defaults.MicroBatchSize,
                AutoMicroBatch = autoBatch,
                GradientAccumulation = read.Int(h, "hyperparameters.", "grad_accum") ?? defaults.GradientAccumulation,
                MaxSeqLength = read.Int(h, "hyperparameters.", "max_seq_len") ?? defaults.MaxSeqLength,
                LrSchedule = read.String(h, "lr_schedule", path: "hyperparameters.") ?? defaults.LrSchedule,
                WarmupRatio = read.Number(h, "hyperparameters.", "warmup_ratio") ?? defaults.WarmupRatio,
                WeightDecay = read.Number(h, "hyperparameters.", "weight_decay") ?? defaults.WeightDecay,
                MaxGradNorm = read.Number(h, "hyperparameters.", "max_grad_norm") ?? defaults.MaxGradNorm,
                EvalEvery = read.Int(h, "hyperparameters.", "eval_every") ?? defaults.EvalEvery,
                SaveEvery = read.Int(h, "hyperparameters.", "save_every") ?? defaults.SaveEvery,
                Packing = read.Bool(h, "hyperparameters.", "packing") ?? defaults.Packing,
            };
        }
        if (json.TryGetProperty("lora", out JsonElement l) && read.IsObject(l, "lora"))
        {
            read.RejectUnknown(l, "lora.", s_lora);
            lora = lora with
            {
                Rank = read.Int(l, "lora.", "r") ?? lora.Rank,
                Alpha = read.Number(l, "lora.", "alpha") ?? lora.Alpha,
                Dropout = read.Number(l, "lora.", "dropout") ?? lora.Dropout,
                TargetModules = read.StringList(l, "lora.", "target_modules") ?? lora.TargetModules,
                UseRsLora = read.Bool(l, "lora.", "use_rslora") ?? false,
            };
        }
        string? groupBy = read.String(json, "group_by");
        if (json.TryGetProperty("privacy", out JsonElement p) && p.ValueKind != JsonValueKind.Null && read.IsObject(p, "privacy"))
        {
            read.RejectUnknown(p, "privacy.", s_privacy);
            config = config with { Audit = ReadAudit(p, errors, read) };
            // The audit alone ({"audit": true}) leaves DP off; any other privacy object asks for DP-SGD.
            bool auditOnly = p.EnumerateObject().Any() && p.EnumerateObject().All(field => field.Name == "audit");
            if (!auditOnly)
            {
                string? entityColumn = read.String(p, "entity_column", path: "privacy.");
                groupBy = entityColumn ?? groupBy;
                var privacy = new PrivacyConfig();
                config = config with
                {
                    Privacy = privacy with
                    {
                        TargetEpsilon = read.Number(p, "privacy.", "target_epsilon"),
                        Delta = read.NumberOrAuto(p, "privacy.", "delta", out _),
                        MaxGradNorm = read.Number(p, "privacy.", "max_grad_norm") ?? privacy.MaxGradNorm,
                        NoiseMultiplier = read.Number(p, "privacy.", "noise_multiplier"),
                        Accountant = read.String(p, "accountant", path: "privacy.") ?? privacy.Accountant,
                        ExpectedBatchSize = read.Int(p, "privacy.", "expected_batch_size") ?? privacy.ExpectedBatchSize,
                        Seed = read.Long(p, "privacy.", "seed"),
                        EntityLevel = entityColumn is not null,
                    },
                };
            }
        }
        config = config with { Lora = lora, Seed = read.Long(json, "", "seed") ?? defaults.Seed };
        var metadata = new Dictionary<string, string>();
        if (json.TryGetProperty("metadata", out JsonElement m) && m.ValueKind != JsonValueKind.Null && read.IsObject(m, "metadata"))
        {
            foreach (JsonProperty entry in m.EnumerateObject())
            {
                if (entry.Value.ValueKind == JsonValueKind.String)
                {
                    metadata[entry.Name] = entry.Value.GetString()!;
                }
                else
                {
                    errors.Add(new JobSpecError($"metadata.{entry.Name}", "metadata values must be strings"));
                }
            }
        }
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

    // privacy.audit: true (the default canary count), false, or {"canaries": m, "canary_length": L}.
    private static AuditConfig? ReadAudit(JsonElement privacy, List<JobSpecError> errors, FieldReader read)
    {
        if (!privacy.TryGetProperty("audit", out JsonElement audit) || audit.ValueKind is JsonValueKind.Null or JsonValueKind.False)
        {
            return null;
        }
        if (audit.ValueKind == JsonValueKind.True)
        {
            return new AuditConfig();
        }
        if (audit.ValueKind != JsonValueKind.Object)
        {
            errors.Add(new JobSpecError("privacy.audit", "must be true, false or an object such as {\"canaries\": 1000}"));
            return null;
        }
        read.RejectUnknown(audit, "privacy.audit.", s_audit);
        var defaults = new AuditConfig();
        return new AuditConfig
        {
            Canaries = read.Int(audit, "privacy.audit.", "canaries") ?? defaults.Canaries,
            CanaryLength = read.Int(audit, "privacy.audit.", "canary_length") ?? defaults.CanaryLength,
        };
    }

    // Part of the adapter's name (ft:BASE:SUFFIX:JOB), so it keeps to characters safe in names and paths, as OpenAI's.
    private static string? ReadSuffix(JsonElement json, List<JobSpecError> errors, FieldReader read)
    {
        string? suffix = read.String(json, "suffix");
        if (suffix is not null && (suffix.Length > JobSpec.MaxSuffixLength || !suffix.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.')))
        {
            errors.Add(new JobSpecError("suffix", $"must be 1 to {JobSpec.MaxSuffixLength} characters of letters, digits, '-', '_' and '.'"));
            return null;
        }
        return suffix;
    }

    // "auto" and the aliases DatasetFormats accepts (openai, chat, ...) are as good as the canonical names.
    private static string? ReadFormat(JsonElement json, List<JobSpecError> errors, FieldReader read)
    {
        string? format = read.String(json, "format");
        if (format is null || string.Equals(format, DatasetFormats.Auto, StringComparison.OrdinalIgnoreCase) || DatasetFormats.TryParse(format, out _))
        {
            return format;
        }
        errors.Add(new JobSpecError("format", $"unknown format '{format}'; use {DatasetFormats.Auto} or one of {string.Join(", ", DatasetFormats.Names)}"));
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
