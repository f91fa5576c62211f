using System.Text.Json.Nodes;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Models;

namespace FineTune.Contracts.Backends;

/// <summary>
/// The device memory one LoRA training job needs, estimated from the model's <c>config.json</c> and the job's settings
/// alone: nothing is loaded and libtorch is never called, so the API sets a job's <c>required_memory_bytes</c> at
/// submit and the queue hands the job only to a worker whose per-job memory (its smallest GPU) holds it. It is meant
/// to be conservative (an over-estimate leaves a job for a bigger worker; an under-estimate costs an OOM retry). In
/// bytes, with P base parameters, P_lora adapter parameters, B the micro-batch, T <c>max_seq_len</c>, L layers, C the
/// hidden size, I the MLP width, nh query heads and V the vocabulary:
/// <code>
///   weights     = P · s_w                  s_w = 2 for bf16/f16, 4 for f32 (the CPU backend is always f32)
///   adapter     = 16 · P_lora              A, B, their gradients, AdamW's m and v: 4 fp32 copies
///   per-sample  = 4 · B · P_lora           DP-SGD only: an allowance of one fp32 adapter per row for the clipping pass
///   activations = B · T · L · a,   a = s_a · (17·C + 8·I [+ 5·nh·T on the CPU]) [+ 4 · F_lora at 16 bits]
///                                      [+ ΣF with LoRA dropout, (s_l + 1) · ΣF under DP-SGD]
///                 with gradient checkpointing: B · T · (s_a · 2·L·C + a), each block's input (2·C at 16 bits) kept
///                 and one block's activations rebuilt at a time
///   logits      = 16 · B · T · V           whole logits: fp32 logits, log-softmax, gradient (3 × 4) + 16-bit logits
///                                          and gradient
///                 16 · n · V + 3 · s_w · B · T · C   chunked (n = min(chunk tokens, B·T)): one chunk's logits as
///                                          above, and dL/dh of every token three times (the chunks', their
///                                          concatenation, h ⊙ dL/dh)
///   slack       = (all of the above) / 10  the caching allocator's fragmentation
///   runtime     = 1 GiB on CUDA (context, cuBLAS workspaces), 256 MiB on the CPU
/// </code>
/// The activation term is Korthikanti et al. 2022 ("Reducing Activation Recomputation in Large Transformer Models",
/// §4.1: 11·C + 5·nh·T per token and layer for attention, 4·C for the two norms, at 16 bits) with the MLP term
/// recounted for SwiGLU (2·C input, then gate, up, silu(gate) and their product, 4 · 2·I); s_a = 1 at 16 bits and 2
/// when the activations are f32. The 5·nh·T term is the attention scores, materialized only on the CPU (composed
/// attention on libtorch 1.13, and on 2.x beside a multi-threaded OpenBLAS; a one-thread OpenBLAS's 2.x kernel keeps
/// fewer, so the estimate is then high), where long causal rows run in query blocks that score ~(T + 256) / 2 keys a row, not T:
/// <see cref="ComposedAttentionKeysPerQuery"/>); on CUDA libtorch 2.x's fused SDPA kernels keep none, for unpacked rows and for packed
/// rows alike (<c>PackedAttention</c> regroups examples instead of masking; its rare dense-mask fallback is not
/// counted). F_lora is the summed width of the distinct inputs the adapted layers of one block read (C for q, k and v
/// together, C for gate and up together, nh·hs for o, I for down): the adapters keep an fp32 copy of their input for
/// their gradient, one copy per input shared by the adapters that read it (<c>SharedInputCast</c>; PEFT keeps one per
/// adapter); with f32 base weights (or with <c>LoraInBaseDType</c>) the branch reads the input itself. With LoRA dropout
/// (<c>lora.dropout</c> &gt; 0, 0.05 by default) each adapter keeps its own one-byte mask (LoraLinear's dropout and A run
/// as one node, <c>dropped_linear</c>, which rebuilds the dropped input in backward): ΣF sums the input widths of every
/// adapted layer of a block. DP-SGD's capture keeps each adapter's dropped input too, in the branch's dtype (s_l = 4
/// bytes, 2 with <c>LoraInBaseDType</c> at 16 bits). Measured on the CPU (bytes malloc holds after a forward, f32,
/// all-linear, r = 16, B = 4, T = 256; <c>ActivationMemoryTests</c>): at llama-30m's shape the dropped copies took
/// 187 MiB (5.3 · ΣF), which this estimate left out until 2026-12-07; at half that shape the forward keeps 113.0 MB
/// without dropout, 122.9 MB with it (the masks; 9.2 MB counted) and 163.0 MB with the dropped copies (estimated 149.7
/// MB, and 186.4 MB under DP-SGD). Whether the logits are whole
/// or chunked, and the chunk, is the trainer's own rule (<see cref="LossChunking.ChunkRows"/>): on CUDA chunks of 2²⁵
/// logit elements unless configured, on the CPU whole. With <c>batch_size: "auto"</c> B is 1, the least the trainer
/// picks (it sizes the micro-batch to the free memory by
/// <see cref="PerSequenceBytes"/>, the B-dependent terms of this estimate).
/// Checked against FineTune's own peak on an H200 (2026-12-04, libtorch 2.11, random llama-3.2-1b weights, bf16,
/// LoRA r = 16 on every linear layer, whole logits, `bench train` B = 8, T = 1024): 43.1 GB (40.1 GiB) allocated,
/// where this estimate with whole logits (<c>LossChunkTokens</c> 0) counts 40.4 GiB before slack and runtime (2.3
/// weights, 0.2 adapter, 12.3 activations of the block, 10.0 adapters' fp32 inputs, 15.7 logits) and 45.4 GiB in all;
/// that was before the adapters shared their inputs' copies, which counts 7.0 GiB for them (unmeasured on a GPU).
/// Hugging Face transformers 5.17 + PEFT 0.21 on the same GPU (r = 8 on q/k/v/o, peak allocated / reserved over two
/// AdamW steps, whole logits) took 27.4 / 31.6 GiB with SDPA and 51.8 / 57.2 with eager attention (scores
/// materialized) at B = 8, T = 1024. With CUDA's default chunks (261 tokens at V = 128,256) the logits term is 0.6
/// GiB; that and the checkpointing term are not yet checked against a GPU's peak.
/// </summary>
/// <param name="WeightsBytes">The frozen base weights.</param>
/// <param name="AdapterBytes">LoRA weights, gradients and optimizer state, with DP-SGD's per-sample gradients.</param>
/// <param name="ActivationBytes">Activations kept for the backward pass.</param>
/// <param name="LogitsBytes">The logits, their log-softmax and gradients.</param>
/// <param name="SlackBytes">Allocator fragmentation: a tenth of the tensors above.</param>
/// <param name="RuntimeBytes">The fixed cost of the runtime on the device.</param>
public sealed record MemoryEstimate(long WeightsBytes, long AdapterBytes, long ActivationBytes, long LogitsBytes, long SlackBytes, long RuntimeBytes)
{
    /// <summary>The fixed CUDA cost: context and cuBLAS workspaces.</summary>
    public const long CudaRuntimeBytes = 1L << 30;

    /// <summary>The fixed CPU cost: libtorch and the .NET runtime.</summary>
    public const long CpuRuntimeBytes = 256L << 20;

    /// <summary>The whole estimate in bytes.</summary>
    public long TotalBytes => WeightsBytes + AdapterBytes + ActivationBytes + LogitsBytes + SlackBytes + RuntimeBytes;

    /// <summary>
    /// The estimate for a job on <paramref name="backend"/> with <paramref name="backendOptions"/> (its <c>dtype</c>),
    /// training <paramref name="model"/> of <paramref name="parameterCount"/> parameters with <paramref name="config"/>.
    /// Throws <see cref="BackendOptionsException"/> for an unknown backend or options it rejects.
    /// </summary>
    public static MemoryEstimate ForJob(ModelConfig model, long parameterCount, string backend, JsonObject? backendOptions, TrainingConfig config)
    {
        ArgumentNullException.ThrowIfNull(backend);
        IBackendDescriptor found = BackendDescriptors.Get(backend);
        // Every backend today is libtorch; another backend without a dtype option is counted at f32, the largest.
        (WeightDType dtype, bool cuda) = found is LibtorchDescriptor libtorch
            ? (libtorch.ParseOptions(backendOptions).DType, libtorch.IsCuda)
            : (WeightDType.Float32, true);
        return For(model, parameterCount, config, dtype, cuda);
    }

    /// <summary>The estimate for base weights of <paramref name="weightDType"/> on a CUDA device or the CPU.</summary>
    public static MemoryEstimate For(ModelConfig model, long parameterCount, TrainingConfig config, WeightDType weightDType, bool cuda)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentOutOfRangeException.ThrowIfNegative(parameterCount);
        long weightBytes = WeightBytes(weightDType);
        long microBatch = config.AutoMicroBatch ? 1 : config.MicroBatchSize;
        long loraParameters = LoraParameterCount(model, config.Lora);
        long weights = parameterCount * weightBytes;
        long adapter = (16 * loraParameters) + (microBatch * PerSampleGradientBytes(config, loraParameters));
        long activations = microBatch * ActivationBytesPerSequence(model, config, weightBytes, cuda);
        long logits = LogitsBytesFor(model, config, microBatch, weightBytes, onCpu: !cuda);
        return new MemoryEstimate(
            WeightsBytes: weights,
            AdapterBytes: adapter,
            ActivationBytes: activations,
            LogitsBytes: logits,
            SlackBytes: (weights + adapter + activations + logits) / 10,
            RuntimeBytes: cuda ? CudaRuntimeBytes : CpuRuntimeBytes);
    }

    /// <summary>
    /// The bytes each sequence of a micro-batch adds to <see cref="For"/>: its activations, its logits and, under
    /// DP-SGD, its per-sample adapter gradient, plus their tenth of slack. The trainer sizes an automatic micro-batch
    /// by it (free device memory / this), so placement and the micro-batch read one formula. With chunked logits each
    /// sequence is charged a chunk of its own (the logits of B = 1), which over-counts when several share one chunk.
    /// </summary>
    public static long PerSequenceBytes(ModelConfig model, TrainingConfig config, WeightDType weightDType, bool cuda)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(config);
        long weightBytes = WeightBytes(weightDType);
        long perSequence = ActivationBytesPerSequence(model, config, weightBytes, cuda)
            + LogitsBytesFor(model, config, microBatch: 1, weightBytes, onCpu: !cuda)
            + PerSampleGradientBytes(config, LoraParameterCount(model, config.Lora));
        return perSequence + (perSequence / 10);
    }

    /// <summary>Parameters of the adapters <paramref name="lora"/> attaches: r · (in + out) per targeted linear.</summary>
    public static long LoraParameterCount(ModelConfig model, LoraConfig lora)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(lora);
        long perLayer = AdaptedLinears(model, lora).Sum(linear => lora.Rank * (linear.In + linear.Out));
        return perLayer * model.NumLayers;
    }

    // The linear layers of one block that lora adapts, with their input and output widths and the activation they
    // read: q, k and v read the normed hidden state, gate and up the normed residual after attention.
    private static IEnumerable<(string Input, long In, long Out)> AdaptedLinears(ModelConfig model, LoraConfig lora)
    {
        long hidden = model.HiddenSize;
        long queryWidth = (long)model.NumHeads * model.HeadDim;
        long keyValueWidth = (long)model.NumKeyValueHeads * model.HeadDim;
        long mlp = model.IntermediateSize;
        (string Name, string Input, long In, long Out)[] linears =
        [
            ("q_proj", "attention", hidden, queryWidth), ("k_proj", "attention", hidden, keyValueWidth),
            ("v_proj", "attention", hidden, keyValueWidth), ("o_proj", "attention output", queryWidth, hidden),
            ("gate_proj", "mlp", hidden, mlp), ("up_proj", "mlp", hidden, mlp), ("down_proj", "mlp hidden", mlp, hidden),
        ];
        return linears.Where(linear => lora.Targets(linear.Name)).Select(linear => (linear.Input, linear.In, linear.Out));
    }

    // The summed width of the distinct inputs the adapted layers of one block read: the adapters that read one input
    // share one fp32 copy of it (SharedInputCast).
    private static long DistinctAdaptedInputWidth(ModelConfig model, LoraConfig lora) =>
        AdaptedLinears(model, lora).DistinctBy(linear => linear.Input).Sum(linear => linear.In);

    // The summed input width of the adapted layers of one block, each counted on its own.
    private static long AdaptedInputWidth(ModelConfig model, LoraConfig lora) =>
        AdaptedLinears(model, lora).Sum(linear => linear.In);

    private static long WeightBytes(WeightDType weightDType) => weightDType switch
    {
        WeightDType.BFloat16 or WeightDType.Float16 => 2,
        WeightDType.Float32 => 4,
        _ => throw new ArgumentOutOfRangeException(nameof(weightDType), weightDType, "base weights are bf16, f16 or f32"),
    };

    /// <summary>
    /// Query rows per block of the CPU's causal self-attention (FineTune.Torch's <c>ComposedAttention.CausalBlockRows</c>;
    /// a test holds the two equal): each block scores its rows against the keys up to its last row only.
    /// </summary>
    public const long ComposedAttentionBlockRows = 256;

    /// <summary>
    /// Keys each query row of a T-token sequence scores on the CPU, on average: T when the sequence runs whole
    /// (T ≤ <see cref="ComposedAttentionBlockRows"/>), else the mean of each block's end over its rows (~(T + 256) / 2).
    /// </summary>
    internal static long ComposedAttentionKeysPerQuery(long sequenceLength)
    {
        if (sequenceLength <= ComposedAttentionBlockRows)
        {
            return sequenceLength;
        }
        long scored = 0;
        for (long start = 0; start < sequenceLength; start += ComposedAttentionBlockRows)
        {
            long rows = Math.Min(ComposedAttentionBlockRows, sequenceLength - start);
            scored += rows * (start + rows);
        }
        return (scored + sequenceLength - 1) / sequenceLength;
    }

    /// <summary>
    /// Activations of one sequence: T · L · a, or with gradient checkpointing T · (s_a · 2·L·C + a), where a layer
    /// keeps a = s_a · (17·C + 8·I, + 5·nh·T on the CPU) bytes per token, + 4 · F_lora for the adapters' fp32 inputs
    /// when the base is 16-bit; s_a = 1 when the activations are 16-bit, 2 when they are f32.
    /// </summary>
    internal static long ActivationBytesPerSequence(ModelConfig model, TrainingConfig config, long weightBytes, bool cuda)
    {
        long activationScale = weightBytes == 2 ? 1 : 2;
        long sequenceLength = config.MaxSeqLength;
        long scores = cuda ? 0 : 5L * model.NumHeads * ComposedAttentionKeysPerQuery(sequenceLength);
        // The float32 copy of each adapted input, unless the branches compute in the 16-bit base's dtype.
        bool float32Branch = weightBytes == 4 || !config.LoraInBaseDType;
        long adapterInputs = weightBytes == 2 && float32Branch ? 4 * DistinctAdaptedInputWidth(model, config.Lora) : 0;
        // With LoRA dropout every adapter keeps its own one-byte mask for A's gradient (LoraLinear's dropped_linear);
        // under DP-SGD also its own dropped input, in the branch's dtype, for the per-sample gradients.
        long droppedInputs = config.Lora.Dropout <= 0 ? 0
            : ((config.Privacy is null ? 0 : float32Branch ? 4 : weightBytes) + 1) * AdaptedInputWidth(model, config.Lora);
        long perTokenAndLayer = (activationScale * ((17L * model.HiddenSize) + (8L * model.IntermediateSize) + scores)) + adapterInputs + droppedInputs;
        long perToken = config.GradientCheckpointing
            ? (activationScale * 2L * model.NumLayers * model.HiddenSize) + perTokenAndLayer
            : model.NumLayers * perTokenAndLayer;
        return sequenceLength * perToken;
    }

    /// <summary>
    /// The loss head's memory for a micro-batch: whole logits 16 · B · T · V; chunked (by the trainer's rule,
    /// <see cref="LossChunking.ChunkRows"/>) 16 · n · V for one chunk of n = min(chunk, B·T) tokens plus
    /// 3 · s_w · B · T · C for dL/dh.
    /// </summary>
    internal static long LogitsBytesFor(ModelConfig model, TrainingConfig config, long microBatch, long weightBytes, bool onCpu)
    {
        long tokens = microBatch * config.MaxSeqLength;
        long chunkRows = LossChunking.ChunkRows(config.LossChunkTokens, model.VocabSize, onCpu);
        return chunkRows == 0
            ? 16 * tokens * model.VocabSize
            : (16 * Math.Min(chunkRows, tokens) * model.VocabSize) + (3 * weightBytes * tokens * model.HiddenSize);
    }

    // DP-SGD: one fp32 adapter's worth per row of the micro-batch. The trainer holds every sample's gradient at once only
    // while they fit in 256 MiB (DpTraining.DefaultMaterializedGradientBytes); above that it reads norms adapter by adapter,
    // then the clipped sum as one weighted contraction (IPerSampleGradients), so this is a conservative allowance for
    // either, not a count of copies.
    private static long PerSampleGradientBytes(TrainingConfig config, long loraParameters) => config.Privacy is null ? 0 : 4 * loraParameters;
}
