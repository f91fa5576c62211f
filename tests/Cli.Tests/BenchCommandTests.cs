using System.Text.Json;

namespace FineTune.Cli.Tests;

public class BenchCommandTests
{
    [Fact]
    public void BenchOps_Json_PrintsMeasuredOverheadAndGemmThroughput()
    {
        CliRun run = CliRun.Invoke("bench", "ops", "--json", "--iterations", "2000");

        Assert.Equal(0, run.ExitCode);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.True(root.GetProperty("small_op_microseconds").GetDouble() > 0);
        Assert.True(root.GetProperty("shim_round_trip_microseconds").GetDouble() > 0);
        JsonElement[] gemm = root.GetProperty("gemm").EnumerateArray().ToArray();
        Assert.Equal(2, gemm.Length);
        Assert.Equal(1024, gemm[0].GetProperty("m").GetInt64());
        Assert.Equal(4096, gemm[1].GetProperty("m").GetInt64());
        Assert.All(gemm, g => Assert.True(g.GetProperty("gflops").GetDouble() > 0));
    }

    [Fact]
    public void BenchOps_NonPositiveIterations_IsAClearError()
    {
        CliRun run = CliRun.Invoke("bench", "ops", "--iterations", "0");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--iterations", run.Error);
    }
}
