using System.Diagnostics;
using FineTune.Torch;

namespace FineTune.Cli.Bench;

/// <summary>
/// Measures what the binding adds on top of libtorch: the per-call cost of a small op (a 1-element add including
/// handle creation and disposal), of a bare shim round trip, and GEMM throughput that shows which BLAS runs.
/// Each figure is the best of several timed repeats after a warm-up, so a busy machine inflates it least.
/// </summary>
internal static class OpsBenchmark
{
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

    /// <summary>(M, K) x (K, N) in fp32 on the CPU; 2·M·N·K floating-point operations per product.</summary>
    internal static GemmResult Gemm(long m, long n, long k, int repeats)
    {
        using var scope = TensorScope.Begin();
        using var generator = new Generator(0);
        Tensor left = torch.randn([m, k], generator: generator);
        Tensor right = torch.randn([k, n], generator: generator);
        left.matmul(right).Dispose();
        double bestSeconds = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            long start = Stopwatch.GetTimestamp();
            left.matmul(right).Dispose();
            bestSeconds = Math.Min(bestSeconds, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return new GemmResult(m, n, k, bestSeconds * 1e3, 2.0 * m * n * k / bestSeconds / 1e9);
    }
}

/// <summary>Figures printed by <c>finetune bench ops</c>.</summary>
internal sealed record OpsBenchmarkResult(string Libtorch, int Threads, double SmallOpMicroseconds, double ShimRoundTripMicroseconds, IReadOnlyList<GemmResult> Gemm);

/// <summary>One timed fp32 matrix product.</summary>
internal sealed record GemmResult(long M, long N, long K, double Milliseconds, double Gflops);
