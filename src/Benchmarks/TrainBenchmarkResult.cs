using System.Text.Json.Serialization;
using FineTune.Training.Backends;

namespace FineTune.Benchmarks;

/// <summary>
/// Figures printed by <c>finetune bench train</c>. The JSON names batch_size, seq_len, steps, tokens_per_second,
/// step_ms, peak_memory_bytes and device are the ones tools/reference/hf_peft_bench.py prints, so a script can divide
/// one by the other without a mapping. HugePages: whether malloc's large blocks get huge pages (CPU runs only).
/// GemmThreads: the BLAS threads the CPU's reference GEMM ran on (every core either pool may use).
/// LoraDropout: the adapters' dropout during the timed steps. VarlenAttention: how packed rows attended through
/// variable-length attention, "flash_kernel" (libtorch's) or "per_record" (each record through SDPA in turn), null
/// when they did not. Losses: the timed non-DP steps' losses, so two runs on the same rows can be compared.
/// Data, DataExamples, DataExamplesRead, MeanRecordTokens: with --data, the file's name, the examples kept (those
/// with a token to train on within L), the examples read and the kept ones' mean length.
/// </summary>
internal sealed record TrainBenchmarkResult(
    string Backend,
    string Device,
    string DeviceName,
    string Dtype,
    string Libtorch,
    long Parameters,
    int BatchSize,
    [property: JsonPropertyName("seq_len")] int SequenceLength,
    int Steps,
    int MicroBatchSize,
    double TokensPerSecond,
    [property: JsonPropertyName("step_ms")] double StepMilliseconds,
    long PeakMemoryBytes,
    double ModelFlopsPerToken,
    double ModelGflops,
    long GemmSize,
    double GemmGflops,
    double ModelFlopsUtilization,
    double? DpTokensPerSecond,
    long? DpPeakMemoryBytes,
    int RecordsPerRow = 1,
    double? DpUnpackedTokensPerSecond = null,
    int? IntraOpThreads = null,
    int? BlasThreads = null,
    long? LossChunkTokens = null,
    bool GradientCheckpointing = false,
    bool DensePackingMask = false,
    bool LoraInBaseDtype = false,
    HugePagesState? HugePages = null,
    int? GemmThreads = null,
    double LoraDropout = 0,
    string? VarlenAttention = null,
    IReadOnlyList<double>? Losses = null,
    string? Data = null,
    int? DataExamples = null,
    int? DataExamplesRead = null,
    double? MeanRecordTokens = null)
{
    /// <summary>DP tokens/s over non-DP tokens/s on the same model and batch (target ≥ 0.8).</summary>
    public double? DpRelativeThroughput => DpTokensPerSecond / TokensPerSecond;
}
