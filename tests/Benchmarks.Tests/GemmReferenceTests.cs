namespace FineTune.Benchmarks.Tests;

/// <summary>
/// The GEMM that `bench train` divides by: with a minimum time it keeps repeating until that time has passed, so one
/// slow moment cannot become the reference (a best of five 20 ms products once read 48 GFLOP/s where 88 were
/// reachable, and the MFU printed 113%).
/// </summary>
public sealed class GemmReferenceTests
{
    [Fact]
    public void Gemm_WithMinimumTime_RepeatsUntilItHasPassed()
    {
        var started = System.Diagnostics.Stopwatch.StartNew();

        GemmResult result = OpsBenchmark.Gemm(64, 64, 64, repeats: 2, minimumTime: TimeSpan.FromMilliseconds(300));

        Assert.True(started.Elapsed >= TimeSpan.FromMilliseconds(300), $"returned after {started.Elapsed.TotalMilliseconds} ms");
        // A 64^3 product takes microseconds: far more than the two repeats asked for fit in 300 ms.
        Assert.True(result.Repeats > 2, $"{result.Repeats} repeats");
        Assert.True(result.Gflops > 0);
    }

    [Fact]
    public void Gemm_WithoutMinimumTime_RunsTheRepeatsAskedFor()
    {
        GemmResult result = OpsBenchmark.Gemm(64, 64, 64, repeats: 3);

        Assert.Equal(3, result.Repeats);
    }
}
