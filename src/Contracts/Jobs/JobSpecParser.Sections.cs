using System.Text.Json;
using FineTune.Contracts.Configs;
using FineTune.Text.Data;

namespace FineTune.Contracts.Jobs;

// The readers of the spec's sections, one per object or checked field, in the order Parse calls them.
public static partial class JobSpecParser
{
    // With no learning_rate given the rate is chosen by model size (auto), as OpenAI's API defaults to auto.
    private static TrainingConfig Defaults => new() { AutoLearningRate = true };

    private static TrainingConfig ReadHyperparameters(JsonElement json, FieldReader read)
    {
        TrainingConfig defaults = Defaults;
        if (!json.TryGetProperty("hyperparameters", out JsonElement h) || !read.IsObject(h, "hyperparameters"))
        {
            return defaults;
        }
        read.RejectUnknown(h, "hyperparameters.", s_hyper);
        return defaults with
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
            SaveEachEpoch = read.Bool(h, "hyperparameters.", "save_each_epoch") ?? defaults.SaveEachEpoch,
            Packing = read.Bool(h, "hyperparameters.", "packing") ?? defaults.Packing,
            GradientCheckpointing = read.Bool(h, "hyperparameters.", "gradient_checkpointing") ?? defaults.GradientCheckpointing,
        };
    }

    private static LoraConfig ReadLora(JsonElement json, FieldReader read)
    {
        var lora = new LoraConfig();
        if (!json.TryGetProperty("lora", out JsonElement l) || !read.IsObject(l, "lora"))
        {
            return lora;
        }
        read.RejectUnknown(l, "lora.", s_lora);
        return lora with
        {
            Rank = read.Int(l, "lora.", "r") ?? lora.Rank,
            Alpha = read.Number(l, "lora.", "alpha") ?? lora.Alpha,
            Dropout = read.Number(l, "lora.", "dropout") ?? lora.Dropout,
            TargetModules = read.StringList(l, "lora.", "target_modules") ?? lora.TargetModules,
            UseRsLora = read.Bool(l, "lora.", "use_rslora") ?? false,
        };
    }

    // The privacy object sets the audit and DP-SGD; entity-level DP groups by its entity_column, which replaces group_by.
    private static (TrainingConfig Config, string? GroupBy) ReadPrivacy(JsonElement json, TrainingConfig config, string? groupBy, List<JobSpecError> errors, FieldReader read)
    {
        if (!json.TryGetProperty("privacy", out JsonElement p) || p.ValueKind == JsonValueKind.Null || !read.IsObject(p, "privacy"))
        {
            return (config, groupBy);
        }
        read.RejectUnknown(p, "privacy.", s_privacy);
        config = config with { Audit = ReadAudit(p, errors, read) };
        // The audit alone ({"audit": true}) leaves DP off; any other privacy object asks for DP-SGD.
        bool auditOnly = p.EnumerateObject().Any() && p.EnumerateObject().All(field => field.Name == "audit");
        if (auditOnly)
        {
            return (config, groupBy);
        }
        string? entityColumn = read.String(p, "entity_column", path: "privacy.");
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
        return (config, entityColumn ?? groupBy);
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

    private static Dictionary<string, string> ReadMetadata(JsonElement json, List<JobSpecError> errors, FieldReader read)
    {
        var metadata = new Dictionary<string, string>();
        if (!json.TryGetProperty("metadata", out JsonElement m) || m.ValueKind == JsonValueKind.Null || !read.IsObject(m, "metadata"))
        {
            return metadata;
        }
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
        return metadata;
    }
}
