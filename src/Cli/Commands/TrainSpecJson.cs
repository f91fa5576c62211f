using System.CommandLine;
using System.Globalization;
using System.Text.Json.Nodes;

namespace FineTune.Cli.Commands;

/// <summary>
/// Writes the flags of <c>finetune train</c> as the job spec a client would <c>POST /v1/jobs</c>, so the CLI goes
/// through the same parser, defaults, DP rules and spec-to-request mapping as the service. Only flags given are
/// written (the parser fills the defaults), except the DP flags that have defaults of their own.
/// </summary>
internal static class TrainSpecJson
{
    /// <summary>The spec for the flags in <paramref name="parseResult"/>; a flag combination the CLI forbids throws.</summary>
    public static JsonObject From(TrainFlags flags, ParseResult parseResult)
    {
        CheckCombinations(flags, parseResult);
        var spec = new JsonObject
        {
            ["model"] = parseResult.GetValue(flags.Model),
            ["training_file"] = parseResult.GetValue(flags.Data),
            ["backend"] = parseResult.GetValue(flags.Backend),
        };
        Put(spec, "validation_file", parseResult.GetValue(flags.Validation));
        Put(spec, "format", parseResult.GetValue(flags.Format));
        Put(spec, "group_by", parseResult.GetValue(flags.GroupBy));
        Put(spec, "chat_template", parseResult.GetValue(flags.ChatTemplate));
        Put(spec, "all_tokens", parseResult.GetValue(flags.AllTokens) ? true : null);
        Put(spec, "seed", parseResult.GetValue(flags.Seed));
        Put(spec, "backend_options", BackendOptions(parseResult.GetValue(flags.BackendOptions)));
        Put(spec, "hyperparameters", Hyperparameters(flags, parseResult));
        Put(spec, "lora", Lora(flags, parseResult));
        Put(spec, "privacy", Privacy(flags, parseResult));
        return spec;
    }

    private static void CheckCombinations(TrainFlags flags, ParseResult parseResult)
    {
        bool privacyFlags = parseResult.GetValue(flags.TargetEpsilon) is not null || parseResult.GetValue(flags.NoiseMultiplier) is not null
            || parseResult.GetValue(flags.EntityColumn) is not null;
        if (privacyFlags && !parseResult.GetValue(flags.Dp))
        {
            throw new ArgumentException("privacy options need --dp");
        }
        if (parseResult.GetValue(flags.AuditCanaries) is not null && !parseResult.GetValue(flags.Audit))
        {
            throw new ArgumentException("--audit-canaries needs --audit");
        }
        if (parseResult.GetValue(flags.Steps) is not null && parseResult.GetValue(flags.Epochs) is not null)
        {
            throw new ArgumentException("give --steps or --epochs, not both");
        }
    }

    private static JsonObject Hyperparameters(TrainFlags flags, ParseResult parseResult)
    {
        var hyperparameters = new JsonObject();
        Put(hyperparameters, "steps", parseResult.GetValue(flags.Steps));
        Put(hyperparameters, "n_epochs", NumberOrAuto(parseResult.GetValue(flags.Epochs), "--epochs"));
        // No --lr is auto, as no learning_rate in a spec: a fixed 2e-4 barely moves a small model.
        Put(hyperparameters, "learning_rate", NumberOrAuto(parseResult.GetValue(flags.LearningRate), "--lr"));
        Put(hyperparameters, "lr_schedule", parseResult.GetValue(flags.Schedule));
        Put(hyperparameters, "warmup_ratio", parseResult.GetValue(flags.WarmupRatio));
        Put(hyperparameters, "batch_size", NumberOrAuto(parseResult.GetValue(flags.BatchSize), "--batch-size"));
        Put(hyperparameters, "grad_accum", parseResult.GetValue(flags.GradAccum));
        Put(hyperparameters, "max_seq_len", parseResult.GetValue(flags.MaxSeqLen));
        Put(hyperparameters, "eval_every", parseResult.GetValue(flags.EvalEvery));
        Put(hyperparameters, "save_every", parseResult.GetValue(flags.SaveEvery));
        Put(hyperparameters, "save_each_epoch", parseResult.GetValue(flags.NoEpochCheckpoints) ? false : null);
        Put(hyperparameters, "packing", parseResult.GetValue(flags.NoPacking) ? false : null);
        Put(hyperparameters, "gradient_checkpointing", parseResult.GetValue(flags.GradientCheckpointing) ? true : null);
        return hyperparameters;
    }

    private static JsonObject Lora(TrainFlags flags, ParseResult parseResult)
    {
        var lora = new JsonObject();
        Put(lora, "r", parseResult.GetValue(flags.LoraR));
        Put(lora, "alpha", parseResult.GetValue(flags.LoraAlpha));
        Put(lora, "dropout", parseResult.GetValue(flags.LoraDropout));
        Put(lora, "use_rslora", parseResult.GetValue(flags.RsLora) ? true : null);
        if (parseResult.GetValue(flags.Targets) is { } targets)
        {
            string[] names = targets.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
            lora["target_modules"] = new JsonArray(names.Select(name => (JsonNode?)name).ToArray());
        }
        return lora;
    }

    // --dp is a privacy object with the DP fields; --audit alone is {"audit": ...}, which trains without DP.
    private static JsonObject Privacy(TrainFlags flags, ParseResult parseResult)
    {
        var privacy = new JsonObject();
        if (parseResult.GetValue(flags.Dp))
        {
            Put(privacy, "target_epsilon", parseResult.GetValue(flags.TargetEpsilon));
            Put(privacy, "delta", NumberOrAuto(parseResult.GetValue(flags.Delta), "--delta"));
            Put(privacy, "max_grad_norm", parseResult.GetValue(flags.MaxGradNorm));
            Put(privacy, "noise_multiplier", parseResult.GetValue(flags.NoiseMultiplier));
            Put(privacy, "accountant", parseResult.GetValue(flags.Accountant));
            Put(privacy, "expected_batch_size", parseResult.GetValue(flags.ExpectedBatchSize));
            Put(privacy, "entity_column", parseResult.GetValue(flags.EntityColumn));
            Put(privacy, "seed", parseResult.GetValue(flags.DpSeed));
        }
        if (parseResult.GetValue(flags.Audit))
        {
            var audit = new JsonObject();
            Put(audit, "canaries", parseResult.GetValue(flags.AuditCanaries));
            privacy["audit"] = audit;
        }
        return privacy;
    }

    /// <summary>A number, <c>"auto"</c>, or nothing; anything else is an error naming the flag.</summary>
    /// <summary>A flag's value as JSON: a number, <c>auto</c>, or null when absent; anything else names the flag.</summary>
    internal static JsonNode? NumberOrAuto(string? text, string flag)
    {
        if (text is null || text == "auto")
        {
            return text;
        }
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new ArgumentException($"{flag} '{text}' is not a number or auto");
    }

    private static JsonObject? BackendOptions(string? text)
    {
        if (text is null)
        {
            return null;
        }
        return JsonNode.Parse(text) as JsonObject ?? throw new ArgumentException("--backend-options must be a JSON object");
    }

    // Leaves out what was not given, and empty sections, so the parser's defaults apply as for an API client.
    private static void Put(JsonObject target, string name, JsonNode? value)
    {
        if (value is not null and not JsonObject { Count: 0 })
        {
            target[name] = value;
        }
    }
}
