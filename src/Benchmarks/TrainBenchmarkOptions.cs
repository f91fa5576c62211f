using FineTune.Torch;

namespace FineTune.Benchmarks;

/// <summary>What <c>bench train</c> measures: one model folder, one device and dtype, fixed B × L random rows.</summary>
/// <param name="ModelFolder">Hugging Face model folder (e.g. from init-model).</param>
/// <param name="Backend">libtorch-cpu or libtorch-cuda, as printed.</param>
/// <param name="Device">Where the model, the steps and the reference GEMM run.</param>
/// <param name="DType">Dtype of the frozen base weights and of the reference GEMM.</param>
/// <param name="BatchSize">Rows per step, B.</param>
/// <param name="SequenceLength">Tokens per row, L.</param>
/// <param name="Steps">Timed steps after the warm-up.</param>
/// <param name="Dp">Also time DP-SGD steps on the same model and rows.</param>
/// <param name="RecordsPerRow">
/// K: records of L / K tokens packed K to a row (1: one record fills a row, so packing changes nothing). Under DP the
/// expected batch is then B · K records, and the DP steps are timed both packed and unpacked.
/// </param>
/// <param name="Threads">libtorch intra-op threads on the CPU (null: the engine's default, CpuThreads).</param>
/// <param name="BlasThreads">OpenBLAS threads on the CPU (null: the engine's default, CpuThreads).</param>
/// <param name="LossChunkTokens">Tokens per loss chunk (null: the trainer's default; 0: unchunked logits).</param>
/// <param name="GradientCheckpointing">Recompute the blocks in backward (TrainingConfig.GradientCheckpointing).</param>
/// <param name="DensePackingMask">Packed rows attend through one dense mask (TrainingConfig.DensePackingMask).</param>
/// <param name="LoraInBaseDType">LoRA branches compute in a 16-bit base's dtype (TrainingConfig.LoraInBaseDType).</param>
/// <param name="LoraDropout">LoRA dropout (0: none, as the figures so far; training's default is 0.05).</param>
/// <param name="DataFile">
/// A dataset (as <c>train --data</c> reads it) whose examples, tokenized by the model folder's tokenizer and truncated
/// to L, are packed into rows as training packs them, instead of random rows of one length.
/// </param>
/// <param name="VarlenAttention">Packed rows attend through variable-length attention (TrainingConfig.VarlenPackedAttention).</param>
internal sealed record TrainBenchmarkOptions(
    string ModelFolder,
    string Backend,
    Device Device,
    ScalarType DType,
    int BatchSize,
    int SequenceLength,
    int Steps,
    bool Dp,
    int RecordsPerRow = 1,
    int? Threads = null,
    int? BlasThreads = null,
    int? LossChunkTokens = null,
    bool GradientCheckpointing = false,
    bool DensePackingMask = false,
    bool LoraInBaseDType = false,
    double LoraDropout = 0,
    bool VarlenAttention = false,
    string? DataFile = null);
