namespace FineTune.Torch;

/// <summary>
/// Where <c>F.scaled_dot_product_attention</c> runs libtorch's own kernel and where it composes the same math
/// (<see cref="ComposedAttention"/>): libtorch 1.13 has no kernel, and the meta device cannot run 2.x's; nor does the CPU
/// when libtorch calls OpenBLAS with a pool of more than one thread.
/// </summary>
/// <remarks>
/// libtorch 2.x's CPU attention kernel calls the BLAS from inside its own parallel loop, one GEMM per block on each of
/// libtorch's threads at once. OpenBLAS's pthread build serves concurrent callers through one queue to its own pool,
/// and they spin in it (<c>exec_blas_async</c>: 92% of a step's samples in perf). Debian 13's libtorch 2.6 with
/// OpenBLAS 0.3.29, llama-30m, f32, this project's 2-core VM, bench train, 2026-12-07 (threads libtorch + OpenBLAS):
/// B=4 L=256, the kernel at 2 + 2 66–103 tokens/s, 1 + 2 770–781, 2 + 1 483; composed at 2 + 2 875. B=1 L=2048: the
/// kernel at 2 + 2 187, 1 + 2 623 (peak 1,611 MiB), 2 + 1 491; composed at 2 + 2 584 (2,166 MiB), 2 + 1 417. So with a
/// one-thread OpenBLAS (nothing to fight) the kernel is faster and smaller, and otherwise the composed math keeps every
/// core for the GEMMs around it. MKL (pip's builds) follows libtorch's threads, so there the kernel always runs.
/// </remarks>
internal static class AttentionKernel
{
    /// <summary>Whether libtorch's own kernel runs attention on <paramref name="device"/>.</summary>
    /// <param name="hasNativeKernel">libtorch has one (2.x).</param>
    /// <param name="device">Where the tensors are.</param>
    /// <param name="openBlasThreads">OpenBLAS's pool size, null where libtorch does not call OpenBLAS.</param>
    public static bool RunsNative(bool hasNativeKernel, DeviceType device, int? openBlasThreads) =>
        hasNativeKernel && device switch
        {
            DeviceType.Meta => false,
            DeviceType.CPU => openBlasThreads is null or <= 1,
            _ => true,
        };

    /// <summary>
    /// Whether libtorch's variable-length flash kernel runs causal attention over sequences laid end to end: built in
    /// (libtorch ≥ 2.5), on CUDA, in float16 or bfloat16, with a head size the kernel takes (a multiple of 8, at most
    /// 256). Elsewhere the sequences run one by one through scaled_dot_product_attention.
    /// </summary>
    public static bool RunsVarlenFlash(bool hasVarlenKernel, DeviceType device, ScalarType dtype, long headSize) =>
        hasVarlenKernel
        && device == DeviceType.CUDA
        && dtype is ScalarType.Float16 or ScalarType.BFloat16
        && headSize % 8 == 0 && headSize is > 0 and <= 256;
}
