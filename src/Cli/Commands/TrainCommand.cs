using System.CommandLine;
using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Training.Backends;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune train --model DIR|org/name --data FILE --out DIR [...]</c>: LoRA fine-tuning from the command line, the
/// same engine and backends the workers run. Progress goes to the terminal, or as JSON lines with <c>--json</c>.
/// </summary>
internal static class TrainCommand
{
    public static Command Create(TextWriter output)
    {
        var model = new Option<string>("--model") { Description = "Model folder or Hugging Face id (org/name)", Required = true };
        var data = new Option<string>("--data") { Description = "Training data: JSON array, JSONL or CSV", Required = true };
        var outDir = new Option<string>("--out") { Description = "Output folder (adapter, logs, checkpoints, result.json)", Required = true };
        var validation = new Option<string?>("--validation") { Description = "Validation data file (default: 10% of --data)" };
        var format = new Option<string?>("--format") { Description = "messages|sharegpt|alpaca|prompt_completion|text|tabular (default: detect)" };
        var groupBy = new Option<string?>("--group-by") { Description = "Tabular: column whose records form one example" };
        var orderBy = new Option<string?>("--order-by") { Description = "Tabular: order of records within a group" };
        var backend = new Option<string>("--backend") { DefaultValueFactory = _ => "libtorch-cpu" };
        var backendOptions = new Option<string?>("--backend-options") { Description = "Backend options as a JSON object, e.g. {\"threads\":2}" };
        var steps = new Option<long?>("--steps") { Description = "Optimizer steps (default: from --epochs)" };
        var epochs = new Option<string?>("--epochs") { Description = "Passes over the data, or auto (by dataset size: 3, more for small sets; default 1)" };
        var lr = new Option<string?>("--lr") { Description = "Peak learning rate, or auto (the default: 2e-4 x sqrt(7e9 / parameters), within [5e-5, 2e-2])" };
        var schedule = new Option<string?>("--lr-schedule") { Description = "constant|linear|cosine (default cosine)" };
        var batchSize = new Option<string?>("--batch-size") { Description = "Sequences per micro-batch, or auto (from free memory; default 4)" };
        var gradAccum = new Option<int?>("--grad-accum") { Description = "Micro-batches per step (default 1)" };
        var warmupRatio = new Option<double?>("--warmup-ratio") { Description = "Share of steps warming the learning rate up linearly (default 0.03)" };
        var maxSeqLen = new Option<int?>("--max-seq-len") { Description = "Longest sequence in tokens (default 512)" };
        var loraR = new Option<int?>("--lora-r");
        var loraAlpha = new Option<double?>("--lora-alpha");
        var loraDropout = new Option<double?>("--lora-dropout");
        var targets = new Option<string?>("--targets") { Description = "q_proj,k_proj,... or all-linear (the default: every linear layer but the output head)" };
        var rsLora = new Option<bool>("--rslora") { Description = "Scale by alpha/sqrt(r)" };
        var noPacking = new Option<bool>("--no-packing");
        var allTokens = new Option<bool>("--all-tokens") { Description = "Loss on every token, not only replies" };
        var chatTemplate = new Option<string?>("--chat-template") { Description = "chatml|llama3|llama2|mistral|alpaca (default: the tokenizer's)" };
        var seed = new Option<long?>("--seed");
        var evalEvery = new Option<int?>("--eval-every");
        var saveEvery = new Option<int?>("--save-every");
        var resume = new Option<string?>("--resume") { Description = "Checkpoint folder to continue from" };
        var merge = new Option<bool>("--merge") { Description = "Also write the model with the adapter merged, to OUT/merged" };
        var dp = new Option<bool>("--dp") { Description = "Train with differential privacy (DP-SGD)" };
        var targetEpsilon = new Option<double?>("--target-epsilon") { Description = "DP: privacy budget epsilon" };
        var delta = new Option<string>("--delta") { Description = "DP: delta, or auto = 1/n^1.2", DefaultValueFactory = _ => "auto" };
        var maxGradNorm = new Option<double>("--max-grad-norm") { Description = "DP: per-sample clipping norm C", DefaultValueFactory = _ => 1.0 };
        var noiseMultiplier = new Option<double?>("--noise-multiplier") { Description = "DP: sigma (default: calibrated to --target-epsilon)" };
        var accountant = new Option<string>("--accountant") { Description = "DP: rdp or prv", DefaultValueFactory = _ => "rdp" };
        var entityColumn = new Option<string?>("--entity-column") { Description = "DP: column naming each record's entity (entity-level DP)" };
        var expectedBatchSize = new Option<int>("--expected-batch-size") { Description = "DP: expected Poisson batch size", DefaultValueFactory = _ => 16 };
        var dpSeed = new Option<long?>("--dp-seed") { Description = "DP: fixed sampling/noise seed (tests only; default: OS CSPRNG)" };
        var audit = new Option<bool>("--audit") { Description = "Audit privacy empirically: train on secret random canaries and report an epsilon lower bound (with or without --dp)" };
        var auditCanaries = new Option<int?>("--audit-canaries") { Description = $"Audit: canaries drawn (default {AuditConfig.DefaultCanaries}, about half trained on)" };
        var json = CliOptions.Json();
        var command = new Command("train", "Fine-tune a model with LoRA")
        {
            model, data, outDir, validation, format, groupBy, orderBy, backend, backendOptions, steps, epochs, lr, schedule, warmupRatio, batchSize, gradAccum,
            maxSeqLen, loraR, loraAlpha, loraDropout, targets, rsLora, noPacking, allTokens, chatTemplate, seed, evalEvery, saveEvery, resume, merge,
            dp, targetEpsilon, delta, maxGradNorm, noiseMultiplier, accountant, entityColumn, expectedBatchSize, dpSeed, audit, auditCanaries, json,
        };
        command.SetAction((parseResult, cancellationToken) =>
        {
            var defaults = new TrainingConfig();
            var lora = new LoraConfig();
            var config = defaults with
            {
                MaxSteps = parseResult.GetValue(steps),
                Epochs = AutoOr(parseResult.GetValue(epochs), "--epochs", defaults.Epochs),
                AutoEpochs = parseResult.GetValue(epochs) == "auto",
                LearningRate = AutoOr(parseResult.GetValue(lr), "--lr", defaults.LearningRate),
                // No --lr means auto: a fixed 2e-4 barely moves a small model.
                AutoLearningRate = parseResult.GetValue(lr) is null or "auto",
                LrSchedule = parseResult.GetValue(schedule) ?? defaults.LrSchedule,
                WarmupRatio = parseResult.GetValue(warmupRatio) ?? defaults.WarmupRatio,
                MicroBatchSize = (int)AutoOr(parseResult.GetValue(batchSize), "--batch-size", defaults.MicroBatchSize),
                AutoMicroBatch = parseResult.GetValue(batchSize) == "auto",
                GradientAccumulation = parseResult.GetValue(gradAccum) ?? defaults.GradientAccumulation,
                MaxSeqLength = parseResult.GetValue(maxSeqLen) ?? defaults.MaxSeqLength,
                Packing = !parseResult.GetValue(noPacking),
                Seed = parseResult.GetValue(seed) ?? defaults.Seed,
                EvalEvery = parseResult.GetValue(evalEvery) ?? defaults.EvalEvery,
                SaveEvery = parseResult.GetValue(saveEvery) ?? defaults.SaveEvery,
                Lora = lora with
                {
                    Rank = parseResult.GetValue(loraR) ?? lora.Rank,
                    Alpha = parseResult.GetValue(loraAlpha) ?? lora.Alpha,
                    Dropout = parseResult.GetValue(loraDropout) ?? lora.Dropout,
                    UseRsLora = parseResult.GetValue(rsLora),
                    TargetModules = parseResult.GetValue(targets)?.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries) ?? lora.TargetModules,
                },
            };
            bool privacyFlags = parseResult.GetValue(targetEpsilon) is not null || parseResult.GetValue(noiseMultiplier) is not null || parseResult.GetValue(entityColumn) is not null;
            if (privacyFlags && !parseResult.GetValue(dp))
            {
                throw new ArgumentException("privacy options need --dp");
            }
            if (parseResult.GetValue(dp))
            {
                string deltaText = parseResult.GetValue(delta)!;
                config = config with
                {
                    Privacy = new PrivacyConfig
                    {
                        TargetEpsilon = parseResult.GetValue(targetEpsilon),
                        Delta = deltaText == "auto" ? null : double.TryParse(deltaText, System.Globalization.CultureInfo.InvariantCulture, out double d) ? d : throw new ArgumentException($"--delta '{deltaText}' is not a number or auto"),
                        MaxGradNorm = parseResult.GetValue(maxGradNorm),
                        NoiseMultiplier = parseResult.GetValue(noiseMultiplier),
                        Accountant = parseResult.GetValue(accountant)!,
                        ExpectedBatchSize = parseResult.GetValue(expectedBatchSize),
                        Seed = parseResult.GetValue(dpSeed),
                        EntityLevel = parseResult.GetValue(entityColumn) is not null,
                    },
                };
            }
            if (parseResult.GetValue(auditCanaries) is not null && !parseResult.GetValue(audit))
            {
                throw new ArgumentException("--audit-canaries needs --audit");
            }
            if (parseResult.GetValue(audit))
            {
                config = config with { Audit = new AuditConfig { Canaries = parseResult.GetValue(auditCanaries) ?? AuditConfig.DefaultCanaries } };
            }
            if (parseResult.GetValue(steps) is not null && parseResult.GetValue(epochs) is not null)
            {
                throw new ArgumentException("give --steps or --epochs, not both");
            }
            string modelArgument = parseResult.GetValue(model)!;
            var request = new TrainingRequest
            {
                ModelFolder = ModelSource.Resolve(modelArgument, cancellationToken),
                BaseModelName = modelArgument,
                DataFile = parseResult.GetValue(data)!,
                ValidationFile = parseResult.GetValue(validation),
                Format = parseResult.GetValue(format),
                GroupBy = parseResult.GetValue(entityColumn) ?? parseResult.GetValue(groupBy),
                OrderBy = parseResult.GetValue(orderBy),
                ChatTemplate = parseResult.GetValue(chatTemplate),
                AllTokens = parseResult.GetValue(allTokens),
                OutputDir = parseResult.GetValue(outDir)!,
                ResumeFrom = parseResult.GetValue(resume),
                Merge = parseResult.GetValue(merge),
                Config = config,
                BackendOptions = ParseObject(parseResult.GetValue(backendOptions)),
            };
            ITrainingBackend trainingBackend = TrainingBackends.Get(parseResult.GetValue(backend)!);
            var progress = new TrainProgress(output, parseResult.GetValue(json));
            TrainingResult result = trainingBackend.Train(request, progress, cancellationToken);
            progress.WriteResult(result, request.OutputDir);
            return Task.FromResult(0);
        });
        return command;
    }

    /// <summary>A number, or the default when the value is absent or <c>auto</c> (resolved later for the model).</summary>
    private static double AutoOr(string? text, string option, double fallback)
    {
        if (text is null || text == "auto")
        {
            return fallback;
        }
        return double.TryParse(text, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out double value)
            ? value
            : throw new ArgumentException($"{option} '{text}' is not a number or auto");
    }

    private static JsonObject? ParseObject(string? text)
    {
        if (text is null)
        {
            return null;
        }
        return JsonNode.Parse(text) as JsonObject ?? throw new ArgumentException("--backend-options must be a JSON object");
    }
}
