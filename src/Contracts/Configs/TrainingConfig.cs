
namespace FineTune.Contracts.Configs;

/// <summary>
/// Everything that shapes one training run. Immutable; <see cref="Validate"/> is called wherever a config enters (the
/// job-spec parser at submit, the backend and the trainer at start, so a hand-built config is checked too), and
/// nothing is read from globals or the environment. Defaults follow common LoRA practice (TRL/PEFT recipes).
/// </summary>
public sealed record TrainingConfig
{
    /// <summary>Optimizer steps to run; null means derive from <see cref="Epochs"/>.</summary>
    public long? MaxSteps { get; init; }

    /// <summary>Passes over the training set when MaxSteps is null (1: instruction data overfits quickly).</summary>
    public double Epochs { get; init; } = 1;

    /// <summary>
    /// Choose the epochs from the number of training examples instead (<c>auto</c>; see
    /// <see cref="AutoRules.EpochsFor"/>).
    /// </summary>
    public bool AutoEpochs { get; init; }

    /// <summary>Peak learning rate (2e-4 is the usual LoRA rate; full fine-tuning uses ~10x less).</summary>
    public double LearningRate { get; init; } = 2e-4;

    /// <summary>Choose the learning rate from the model size instead (<c>auto</c>; see FineTune.Training's <c>AutoDefaults</c>).</summary>
    public bool AutoLearningRate { get; init; }

    /// <summary>constant, linear or cosine (cosine: the TRL/Axolotl default).</summary>
    public string LrSchedule { get; init; } = "cosine";

    /// <summary>Share of steps spent warming up linearly (3%, TRL's common choice).</summary>
    public double WarmupRatio { get; init; } = 0.03;

    /// <summary>
    /// Sequences per forward pass (bounded by memory; halved after an out-of-memory error). 8 is the Hugging Face
    /// Trainer's per-device default; with 4, the defaults lowered tinystories-656k's loss on alpaca_en_demo by 12.1%
    /// in 40 steps, with 8 by 16.5% (issue 13 asks defaults to learn: at least 15%).
    /// </summary>
    public int MicroBatchSize { get; init; } = 8;

    /// <summary>Choose the micro-batch from free device memory instead (<c>auto</c>; see FineTune.Training's <c>AutoDefaults</c>).</summary>
    public bool AutoMicroBatch { get; init; }

    /// <summary>Micro-batches per optimizer step (effective batch = MicroBatchSize × this).</summary>
    public int GradientAccumulation { get; init; } = 1;

    /// <summary>Longest sequence in tokens; longer examples are truncated (512 fits most instruction data).</summary>
    public int MaxSeqLength { get; init; } = 512;

    /// <summary>Global gradient-norm clip (1.0, the HF Trainer default); 0 disables clipping.</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>Decoupled weight decay of AdamW (0: LoRA matrices are small and start at zero).</summary>
    public double WeightDecay { get; init; }

    /// <summary>
    /// Pack several examples into each sequence, each seeing only itself (block-diagonal attention). Under DP-SGD
    /// the Poisson-sampled records (or entities) share rows and each is still clipped on its own.
    /// </summary>
    public bool Packing { get; init; } = true;

    /// <summary>
    /// Packed rows are filled in the shuffled order, each closed when the next example does not fit (next fit), as
    /// before 2026-12-08, instead of by best fit decreasing: only for resuming a checkpoint written then, whose steps,
    /// schedule and data cursor were planned over those rows (set by the backend from the checkpoint).
    /// </summary>
    public bool NextFitPacking { get; init; }

    /// <summary>
    /// Tokens whose logits the loss holds at once: the output head and cross-entropy run chunk by chunk so the
    /// (tokens × vocabulary) fp32 logits are never whole. Null: on a GPU as many as 2²⁵ logit elements allow (1,024
    /// tokens at a 32k vocabulary), on the CPU no chunking (measured ~10% slower there); 0: no chunking (the whole
    /// logits tensor through autograd).
    /// </summary>
    public int? LossChunkTokens { get; init; }

    /// <summary>
    /// For benchmarks: packed rows attend through one dense block-diagonal mask (B, 1, T, T) instead of regrouping
    /// their examples into a batch of their own (the default, chosen per batch by cost). Same losses and gradients.
    /// </summary>
    public bool DensePackingMask { get; init; }

    /// <summary>
    /// For benchmarks until a GPU has measured it: packed rows attend through variable-length attention over their
    /// positions end to end (libtorch's variable-length flash kernel on CUDA with 16-bit base weights, libtorch ≥ 2.5;
    /// elsewhere each example in turn), instead of regrouping their examples. Same losses and gradients.
    /// </summary>
    public bool VarlenPackedAttention { get; init; }

    /// <summary>
    /// For benchmarks until a GPU has measured it: with 16-bit base weights, the LoRA branches compute in the base
    /// dtype (A and s·B cast down each forward, as autocast training does) instead of casting every adapted layer's
    /// input up to float32 (PEFT's default). A, B, their gradients and AdamW's state stay float32. No effect on an f32
    /// base.
    /// </summary>
    public bool LoraInBaseDType { get; init; }

    /// <summary>
    /// Keep only each decoder block's input during the forward pass and recompute the block during backward (one
    /// extra forward of the blocks, ~1/3 more compute), so activations of 16k-token sequences fit. Losses and
    /// gradients equal the plain path's (dropout masks included). Not combined with <see cref="Privacy"/>: DP-SGD
    /// captures each layer's activations in the forward pass for the per-sample gradients.
    /// </summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>Evaluate on the validation split every N steps (0: only at the end).</summary>
    public int EvalEvery { get; init; }

    /// <summary>Write a checkpoint every N steps (0: no periodic checkpoints).</summary>
    public int SaveEvery { get; init; }

    /// <summary>
    /// Also write a checkpoint at the end of each epoch (every m-th of a run of more than 20 epochs), as OpenAI's
    /// fine-tuning does, when the step count derives from epochs. On by default, so a worker that dies loses at most
    /// an epoch; the run's final step is never one (the end saves the adapter).
    /// </summary>
    public bool SaveEachEpoch { get; init; } = true;

    /// <summary>Seed of LoRA initialisation, data order and dropout.</summary>
    public long Seed { get; init; } = 42;

    /// <summary>The adapters to train.</summary>
    public LoraConfig Lora { get; init; } = new();

    /// <summary>DP-SGD settings, or null to train without differential privacy.</summary>
    public PrivacyConfig? Privacy { get; init; }

    /// <summary>The empirical privacy audit (canaries), or null for none; it needs no DP.</summary>
    public AuditConfig? Audit { get; init; }

    /// <summary>Throws ArgumentException naming the first invalid setting.</summary>
    public void Validate()
    {
        if (MaxSteps is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(MaxSteps), MaxSteps, "steps must be at least 1");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(Epochs, nameof(Epochs));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(LearningRate, nameof(LearningRate));
        if (!LearningRateSchedule.Names.Contains(LrSchedule))
        {
            throw new ArgumentException($"unknown lr schedule '{LrSchedule}'; use {string.Join(", ", LearningRateSchedule.Names)}", nameof(LrSchedule));
        }
        if (WarmupRatio is < 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(WarmupRatio), WarmupRatio, "warmup ratio must be in [0, 1)");
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(MicroBatchSize, 1, nameof(MicroBatchSize));
        ArgumentOutOfRangeException.ThrowIfLessThan(GradientAccumulation, 1, nameof(GradientAccumulation));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxSeqLength, 2, nameof(MaxSeqLength));
        ArgumentOutOfRangeException.ThrowIfNegative(MaxGradNorm, nameof(MaxGradNorm));
        ArgumentOutOfRangeException.ThrowIfNegative(WeightDecay, nameof(WeightDecay));
        if (LossChunkTokens is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(LossChunkTokens), LossChunkTokens, "loss chunk tokens must be 0 (no chunking), positive, or unset");
        }
        ArgumentOutOfRangeException.ThrowIfNegative(EvalEvery, nameof(EvalEvery));

        ArgumentOutOfRangeException.ThrowIfNegative(SaveEvery, nameof(SaveEvery));
        Lora.Validate();
        Privacy?.Validate();
        if (DensePackingMask && VarlenPackedAttention)
        {
            throw new ArgumentException("packed rows attend either through one dense mask or through variable-length attention; turn one of them off", nameof(VarlenPackedAttention));
        }
        if (GradientCheckpointing && Privacy is not null)
        {
            throw new ArgumentException("gradient checkpointing cannot be combined with privacy (DP-SGD keeps every layer's activations for its per-sample gradients); turn one of them off", nameof(GradientCheckpointing));
        }
        Audit?.Validate();
        if (Audit is { } audit && audit.CanaryLength > MaxSeqLength)
        {
            throw new ArgumentOutOfRangeException(nameof(AuditConfig.CanaryLength), audit.CanaryLength, $"a canary of {audit.CanaryLength} tokens does not fit the maximum sequence length {MaxSeqLength}");
        }
    }
}
