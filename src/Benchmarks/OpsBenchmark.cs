using System.Diagnostics;
using FineTune.Torch;

namespace FineTune.Benchmarks;

/// <summary>
/// Measures what the binding adds on top of libtorch: the per-call cost of a small op (a 1-element add including
/// handle creation and disposal), of a bare shim round trip, and GEMM throughput that shows which BLAS runs.
/// Each figure is the best of several timed repeats after a warm-up, so a busy machine inflates it least.
/// </summary>
internal static class OpsBenchmark
{
    /// <summary>A bound on repeats for a minimum time, so a tiny product cannot spin for millions of them.</summary>
    private const int MaxRepeats = 100_000;

    public static OpsBenchmarkResult Run(int smallOpIterations = 200_000, int repeats = 5)
    {
        using var scope = TensorScope.Begin();
        Tensor a = torch.ones([1]);
        Tensor b = torch.ones([1]);
        double smallOp = BestMicroseconds(repeats, smallOpIterations, () =>
        {
            using Tensor sum = a.add(b);
        });
        double roundTrip = BestMicroseconds(repeats, smallOpIterations, () => a.numel());
        return new OpsBenchmarkResult(
            torch.version,
            torch.get_num_threads(),
            torch.get_blas_threads(),
            smallOp,
            roundTrip,
            [Gemm(1024, 1024, 1024, repeats), Gemm(4096, 4096, 1024, Math.Max(2, repeats / 2))]);
    }

    private static double BestMicroseconds(int repeats, int iterations, Action op)
    {
        for (int i = 0; i < iterations / 10; i++)
        {
            op();
        }
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            for (int i = 0; i < iterations; i++)
            {
                op();
            }
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalMicroseconds / iterations);
        }
        return best;
    }

    /// <summary>
    /// (M, K) x (K, N) in <paramref name="dtype"/> on <paramref name="device"/> (fp32 on the CPU by default); 2·M·N·K
    /// floating-point operations per product. A repeat times <paramref name="productsPerRepeat"/> back-to-back
    /// products between two device synchronisations, so a GPU kernel of a millisecond is not drowned by the launch and
    /// the clock; the best repeat counts. With <paramref name="minimumTime"/>, repeats go on until that much time has
    /// passed: the best of five 20 ms products on a shared 2-core VM ranged from 48 to 88 GFLOP/s between runs, and an
    /// MFU against the low one read 113%.
    /// </summary>
    internal static GemmResult Gemm(long m, long n, long k, int repeats, ScalarType dtype = ScalarType.Float32, Device? device = null, int productsPerRepeat = 1, TimeSpan? minimumTime = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(repeats, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(productsPerRepeat, 1);
        Device target = device ?? Device.CPU;
        using var scope = TensorScope.Begin();
        // Drawn on the CPU in fp32 and then moved, so every device and dtype multiplies the same numbers.
        using var generator = new Generator(0);
        Tensor left = torch.randn([m, k], generator: generator).to(dtype, target);
        Tensor right = torch.randn([k, n], generator: generator).to(dtype, target);
        left.matmul(right).Dispose();
        BenchBackend.Synchronize(target);
        double bestSeconds = double.MaxValue;
        long firstStart = Stopwatch.GetTimestamp();
        int done = 0;
        while (done < repeats || (minimumTime is TimeSpan minimum && Stopwatch.GetElapsedTime(firstStart) < minimum && done < MaxRepeats))
        {
            long start = Stopwatch.GetTimestamp();
            for (int p = 0; p < productsPerRepeat; p++)
            {
                left.matmul(right).Dispose();
            }
            BenchBackend.Synchronize(target);
            bestSeconds = Math.Min(bestSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds / productsPerRepeat);
            done++;
        }
        return new GemmResult(m, n, k, BenchBackend.DTypeName(dtype), target.ToString(), bestSeconds * 1e3, 2.0 * m * n * k / bestSeconds / 1e9, done);
    }
}

/// <summary>
/// Figures printed by <c>finetune bench ops</c>, with the thread counts they ran under: libtorch's intra-op pool and
/// OpenBLAS's (null when libtorch links another BLAS), which multiplies the fp32 GEMMs on the CPU. Neither is set
/// here: these are the libraries' defaults, unlike <c>bench train</c>, which applies the training defaults.
/// </summary>
internal sealed record OpsBenchmarkResult(string Libtorch, int Threads, int? BlasThreads, double SmallOpMicroseconds, double ShimRoundTripMicroseconds, IReadOnlyList<GemmResult> Gemm);

/// <summary>One timed matrix product: its shape, dtype (f32, bf16, f16), device (cpu, cuda:N) and how many repeats the best was taken from.</summary>
internal sealed record GemmResult(long M, long N, long K, string Dtype, string Device, double Milliseconds, double Gflops, int Repeats);
