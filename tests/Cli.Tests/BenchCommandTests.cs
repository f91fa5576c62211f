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

public sealed class BenchTrainAndTokenizeTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-bench-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void BenchTrain_TinyModel_PrintsMeasuredThroughputAndUtilisation()
    {
        Assert.Equal(0, CliRun.Invoke("init-model", "--config", "tiny", "--out", _folder).ExitCode);

        CliRun run = CliRun.Invoke("bench", "train", "--model", _folder, "--batch-size", "2", "--seq-len", "32", "--steps", "2", "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.True(root.GetProperty("tokens_per_second").GetDouble() > 0);
        Assert.True(root.GetProperty("peak_memory_bytes").GetInt64() > 0);
        Assert.True(root.GetProperty("gemm_gflops").GetDouble() > 0);
        double utilisation = root.GetProperty("model_flops_utilization").GetDouble();
        Assert.InRange(utilisation, 1e-6, 2.0);
    }

    [Fact]
    public void BenchTokenize_PrintsMegabytesPerSecond()
    {
        CliRun run = CliRun.Invoke("bench", "tokenize", "--tokenizer", FineTune.Testing.RepoPaths.Model("tinystories-656k"), "--json");

        Assert.True(run.ExitCode == 0, run.Error);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        Assert.True(result.RootElement.GetProperty("warm_megabytes_per_second").GetDouble() > 0);
        Assert.True(result.RootElement.GetProperty("tokens").GetInt32() > 100_000);
    }
}
