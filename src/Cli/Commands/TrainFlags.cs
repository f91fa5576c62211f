using System.CommandLine;
using FineTune.Contracts.Configs;

namespace FineTune.Cli.Commands;

/// <summary>
/// The options of <c>finetune train</c>. Most are a job spec field under a flag's name (<see cref="TrainSpecJson"/>
/// writes the spec, <see cref="FlagOf"/> names the flag of a spec field in errors); <c>--out</c>, <c>--order-by</c>,
/// <c>--resume</c> and <c>--merge</c> are the CLI's own, as a worker chooses those itself.
/// </summary>
internal sealed class TrainFlags
{
    // Spec field (as JobSpecParser names it in errors) -> the flag that sets it, so a CLI error names what was typed.
    private static readonly Dictionary<string, string> s_flagOfField = new(StringComparer.Ordinal)
    {
        ["model"] = "--model", ["training_file"] = "--data", ["validation_file"] = "--validation", ["format"] = "--format",
        ["group_by"] = "--group-by", ["chat_template"] = "--chat-template", ["all_tokens"] = "--all-tokens", ["seed"] = "--seed",
        ["backend"] = "--backend", ["backend_options"] = "--backend-options",
        ["hyperparameters.steps"] = "--steps", ["hyperparameters.n_epochs"] = "--epochs", ["hyperparameters.learning_rate"] = "--lr",
        ["hyperparameters.lr_schedule"] = "--lr-schedule", ["hyperparameters.batch_size"] = "--batch-size",
        ["hyperparameters.grad_accum"] = "--grad-accum", ["hyperparameters.warmup_ratio"] = "--warmup-ratio", ["hyperparameters.max_seq_len"] = "--max-seq-len",
        ["hyperparameters.eval_every"] = "--eval-every", ["hyperparameters.save_every"] = "--save-every", ["hyperparameters.save_each_epoch"] = "--no-epoch-checkpoints",
        ["hyperparameters.packing"] = "--no-packing",
        ["hyperparameters.gradient_checkpointing"] = "--gradient-checkpointing",
        ["lora.r"] = "--lora-r", ["lora.alpha"] = "--lora-alpha", ["lora.dropout"] = "--lora-dropout", ["lora.target_modules"] = "--targets",
        ["lora.use_rslora"] = "--rslora",
        ["privacy.target_epsilon"] = "--target-epsilon", ["privacy.delta"] = "--delta", ["privacy.max_grad_norm"] = "--max-grad-norm",
        ["privacy.noise_multiplier"] = "--noise-multiplier", ["privacy.accountant"] = "--accountant",
        ["privacy.expected_batch_size"] = "--expected-batch-size", ["privacy.entity_column"] = "--entity-column", ["privacy.seed"] = "--dp-seed",
        ["privacy.audit"] = "--audit", ["privacy.audit.canaries"] = "--audit-canaries",
    };

    public Option<string> Model { get; } = new("--model") { Description = "Model folder or Hugging Face id (org/name)", Required = true };
    public Option<string> Data { get; } = new("--data") { Description = "Training data: JSON array, JSONL or CSV", Required = true };
    public Option<string> OutDir { get; } = new("--out") { Description = "Output folder (adapter, logs, checkpoints, result.json)", Required = true };
    public Option<string?> Validation { get; } = new("--validation") { Description = "Validation data file (default: 10% of --data)" };
    public Option<string?> Format { get; } = new("--format") { Description = "messages|sharegpt|alpaca|prompt_completion|text|tabular (default: detect)" };
    public Option<string?> GroupBy { get; } = new("--group-by") { Description = "Tabular: column whose records form one example" };
    public Option<string?> OrderBy { get; } = new("--order-by") { Description = "Tabular: order of records within a group" };
    public Option<string> Backend { get; } = new("--backend") { DefaultValueFactory = _ => "libtorch-cpu" };
    public Option<string?> BackendOptions { get; } = new("--backend-options") { Description = "Backend options as a JSON object, e.g. {\"threads\":2}" };
    public Option<long?> Steps { get; } = new("--steps") { Description = "Optimizer steps (default: from --epochs)" };
    public Option<string?> Epochs { get; } = new("--epochs") { Description = "Passes over the data, or auto (by dataset size: 3, more for small sets; default 1)" };
    public Option<string?> LearningRate { get; } = new("--lr") { Description = "Peak learning rate, or auto (the default: 2e-4 x sqrt(7e9 / parameters), within [5e-5, 2e-2])" };
    public Option<string?> Schedule { get; } = new("--lr-schedule") { Description = "constant|linear|cosine (default cosine)" };
    public Option<string?> BatchSize { get; } = new("--batch-size") { Description = "Sequences per micro-batch, or auto (from free memory; default 8)" };
    public Option<int?> GradAccum { get; } = new("--grad-accum") { Description = "Micro-batches per step (default 1)" };
    public Option<double?> WarmupRatio { get; } = new("--warmup-ratio") { Description = "Share of steps warming the learning rate up linearly (default 0.03)" };
    public Option<int?> MaxSeqLen { get; } = new("--max-seq-len") { Description = "Longest sequence in tokens (default 512)" };
    public Option<int?> LoraR { get; } = new("--lora-r");
    public Option<double?> LoraAlpha { get; } = new("--lora-alpha");
    public Option<double?> LoraDropout { get; } = new("--lora-dropout");
    public Option<string?> Targets { get; } = new("--targets") { Description = "q_proj,k_proj,... or all-linear (the default: every linear layer but the output head)" };
    public Option<bool> RsLora { get; } = new("--rslora") { Description = "Scale by alpha/sqrt(r)" };
    public Option<bool> NoPacking { get; } = new("--no-packing");
    public Option<bool> GradientCheckpointing { get; } = new("--gradient-checkpointing") { Description = "Recompute each decoder block in backward instead of keeping its activations (long sequences; not with --dp)" };
    public Option<bool> AllTokens { get; } = new("--all-tokens") { Description = "Loss on every token, not only replies" };
    public Option<string?> ChatTemplate { get; } = new("--chat-template") { Description = "chatml|llama3|llama2|mistral|alpaca (default: the tokenizer's)" };
    public Option<long?> Seed { get; } = new("--seed");
    public Option<int?> EvalEvery { get; } = new("--eval-every");
    public Option<int?> SaveEvery { get; } = new("--save-every") { Description = "Also checkpoint every N steps" };
    public Option<bool> NoEpochCheckpoints { get; } = new("--no-epoch-checkpoints") { Description = "No checkpoint at each epoch's end (written by default when the steps derive from --epochs)" };
    public Option<int?> KeepCheckpoints { get; } = new("--keep-checkpoints") { Description = "Keep only the N checkpoints written last in --out (default: keep every one)" };
    public Option<string?> Resume { get; } = new("--resume") { Description = "Checkpoint folder to continue from" };
    public Option<bool> Merge { get; } = new("--merge") { Description = "Also write the model with the adapter merged, to OUT/merged" };
    public Option<bool> Dp { get; } = new("--dp") { Description = "Train with differential privacy (DP-SGD)" };
    public Option<double?> TargetEpsilon { get; } = new("--target-epsilon") { Description = "DP: privacy budget epsilon" };
    public Option<string> Delta { get; } = new("--delta") { Description = "DP: delta, or auto = 1/n^1.2", DefaultValueFactory = _ => "auto" };
    public Option<double> MaxGradNorm { get; } = new("--max-grad-norm") { Description = "DP: per-sample clipping norm C", DefaultValueFactory = _ => 1.0 };
    public Option<double?> NoiseMultiplier { get; } = new("--noise-multiplier") { Description = "DP: sigma (default: calibrated to --target-epsilon)" };
    public Option<string> Accountant { get; } = new("--accountant") { Description = "DP: rdp or prv", DefaultValueFactory = _ => "rdp" };
    public Option<string?> EntityColumn { get; } = new("--entity-column") { Description = "DP: column naming each record's entity (entity-level DP)" };
    public Option<int> ExpectedBatchSize { get; } = new("--expected-batch-size") { Description = "DP: expected Poisson batch size", DefaultValueFactory = _ => 16 };
    public Option<long?> DpSeed { get; } = new("--dp-seed") { Description = "DP: fixed sampling/noise seed (tests only; default: OS CSPRNG)" };
    public Option<bool> Audit { get; } = new("--audit") { Description = "Audit privacy empirically: train on secret random canaries and report an epsilon lower bound (with or without --dp)" };
    public Option<int?> AuditCanaries { get; } = new("--audit-canaries") { Description = $"Audit: canaries drawn (default {AuditConfig.DefaultCanaries}, about half trained on)" };
    public Option<bool> Json { get; } = CliOptions.Json();

    /// <summary>Every option, in the order <c>--help</c> lists them.</summary>
    public IEnumerable<Option> All =>
    [
        Model, Data, OutDir, Validation, Format, GroupBy, OrderBy, Backend, BackendOptions, Steps, Epochs, LearningRate, Schedule, WarmupRatio, BatchSize,
        GradAccum, MaxSeqLen, LoraR, LoraAlpha, LoraDropout, Targets, RsLora, NoPacking, GradientCheckpointing, AllTokens, ChatTemplate, Seed, EvalEvery, SaveEvery,
        NoEpochCheckpoints, KeepCheckpoints, Resume, Merge, Dp, TargetEpsilon, Delta, MaxGradNorm, NoiseMultiplier, Accountant, EntityColumn, ExpectedBatchSize, DpSeed, Audit,
        AuditCanaries, Json,
    ];

    /// <summary>The flag that sets the spec field <paramref name="field"/> (e.g. <c>backend_options.dtype</c>: <c>--backend-options</c>).</summary>
    public static string FlagOf(string field)
    {
        for (string path = field; path.Length > 0; path = path.Contains('.', StringComparison.Ordinal) ? path[..path.LastIndexOf('.')] : "")
        {
            if (s_flagOfField.TryGetValue(path, out string? flag))
            {
                return flag;
            }
        }
        return field;
    }
}
