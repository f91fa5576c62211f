using System.CommandLine;
using System.Text.Json;
using FineTune.Cli.Bench;

namespace FineTune.Cli.Commands;

/// <summary><c>finetune bench ops [--json]</c>: binding overhead and GEMM throughput on this machine.</summary>
internal static class BenchCommand
{
    public static Command Create(TextWriter output)
    {
        var json = new Option<bool>("--json") { Description = "Print the figures as JSON" };
        var iterations = new Option<int>("--iterations") { Description = "Small-op calls per timed repeat", DefaultValueFactory = _ => 200_000 };
        var ops = new Command("ops", "Per-call overhead of a small op (target <= 3 us) and fp32 GEMM GFLOP/s") { json, iterations };
        ops.SetAction(parseResult =>
        {
            int count = parseResult.GetValue(iterations);
            if (count < 1)
            {
                throw new ArgumentException("--iterations must be at least 1");
            }
            OpsBenchmarkResult result = OpsBenchmark.Run(count);
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
                return 0;
            }
            output.WriteLine($"libtorch {result.Libtorch}, {result.Threads} threads");
            output.WriteLine($"small op (1-element add, incl. handle create + dispose): {result.SmallOpMicroseconds:F2} us/call (target <= 3 us)");
            output.WriteLine($"shim round trip (numel):                                 {result.ShimRoundTripMicroseconds:F3} us/call");
            foreach (GemmResult gemm in result.Gemm)
            {
                output.WriteLine($"fp32 GEMM {gemm.M}x{gemm.K} @ {gemm.K}x{gemm.N}: {gemm.Milliseconds:F1} ms, {gemm.Gflops:F1} GFLOP/s");
            }
            return 0;
        });
        return new Command("bench", "Benchmarks that print measured figures") { ops };
    }
}
