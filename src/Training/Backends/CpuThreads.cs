using FineTune.Torch;

namespace FineTune.Training.Backends;

/// <summary>
/// The CPU's two thread pools, set from inside the process: libtorch's OpenMP pool (element-wise ops, reductions,
/// softmax) and, where libtorch links OpenBLAS (Debian's libtorch 1.13), OpenBLAS's own pthread pool for the GEMMs.
/// Environment variables (OMP_NUM_THREADS, OPENBLAS_NUM_THREADS) only count when set before the libraries load, so a
/// host embedding the engine would miss them; these calls take effect at once. pip's CUDA builds link MKL, whose
/// threads follow libtorch's, so there only the first setting applies.
/// </summary>
public static class CpuThreads
{
    /// <summary>
    /// Sets both pools: <paramref name="intraOp"/> libtorch threads and <paramref name="blas"/> OpenBLAS threads,
    /// each (when null) <see cref="DefaultPoolThreads"/>. Returns what is now in force.
    /// </summary>
    public static CpuThreadSettings Apply(int? intraOp = null, int? blas = null)
    {
        if (intraOp is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(intraOp), intraOp, "intra-op threads must be at least 1");
        }
        if (blas is < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(blas), blas, "BLAS threads must be at least 1");
        }
        int threads = DefaultPoolThreads(Environment.ProcessorCount, torch.idle_threads_sleep);
        torch.set_num_threads(intraOp ?? threads);
        torch.set_blas_threads(blas ?? threads);
        return Current();
    }

    /// <summary>The thread counts in force now (BLAS: null when libtorch does not link OpenBLAS).</summary>
    public static CpuThreadSettings Current() => new(torch.get_num_threads(), torch.get_blas_threads());

    /// <summary>
    /// Threads per pool when the caller names none: every logical core when idle threads sleep
    /// (<see cref="torch.idle_threads_sleep"/>, the pools then take turns without fighting), else half the cores, at
    /// least one, so the two spinning pools together never outnumber the cores.
    /// </summary>
    /// <remarks>
    /// The pools take turns (GEMMs in OpenBLAS, everything else in libtorch). Spinning, the idle one's threads keep
    /// their cores (OpenBLAS calls sched_yield in a loop, OpenMP busy-waits): llama-30m, bench train, B=4, L=256, 6
    /// steps, this project's 2-core VM (AMD EPYC, OpenBLAS 0.3.21 pthread, libtorch 1.13), threads libtorch/OpenBLAS:
    /// 2/2 126 tokens/s (1.04 M sched_yield calls), 1/1 536 tokens/s (312 calls). Sleeping (the default since
    /// 2026-12-07; figures in FineTune.Torch's IdleThreadWaiting): 1/1 486–563, 2/2 762–963 tokens/s. Larger machines
    /// are unmeasured. On libtorch 2.x the turns hold only because attention is composed beside a multi-threaded
    /// OpenBLAS: 2.x's CPU attention kernel calls the BLAS from every libtorch thread at once (FineTune.Torch's
    /// AttentionKernel, with the figures).
    /// </remarks>
    public static int DefaultPoolThreads(int logicalCores, bool idleThreadsSleep) =>
        idleThreadsSleep ? Math.Max(1, logicalCores) : Math.Max(1, logicalCores / 2);
}

/// <summary>Thread counts of the two CPU pools.</summary>
/// <param name="IntraOp">libtorch's intra-op (OpenMP) threads.</param>
/// <param name="Blas">OpenBLAS's threads, or null when libtorch links another BLAS (MKL follows IntraOp).</param>
public readonly record struct CpuThreadSettings(int IntraOp, int? Blas);
