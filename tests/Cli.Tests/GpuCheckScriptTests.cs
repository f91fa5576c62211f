using System.Diagnostics;
using System.Text.Json;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// CI has no GPU, so it rehearses the prepared GPU check (scripts/gpu-check.sh --cpu) end to end: the same CLI calls,
/// parsing and comparisons as on a GPU machine, with the CPU standing in for the device. A change to the CLI's JSON,
/// options or outputs that would break the GPU check breaks this test instead of the next GPU session.
/// </summary>
public sealed class GpuCheckScriptTests : IDisposable
{
    private readonly string _out = Path.Combine(Path.GetTempPath(), "finetune-gpu-check-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_out))
        {
            Directory.Delete(_out, recursive: true);
        }
    }

    [Fact]
    public async Task CpuRehearsal_RunsEveryCheckThatNeedsNoGpuAndPasses()
    {
        (int exitCode, string output, string error) = await RunAsync("--cpu", "--out", _out);

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "gpu-check.json")));
        JsonElement root = summary.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.True(root.GetProperty("complete").GetBoolean());
        Assert.Equal("cpu rehearsal", root.GetProperty("mode").GetString());
        List<string?> ran = Passed(root);
        Assert.Contains("cpu_vs_device_f32_losses", ran);
        Assert.Contains("greedy_tokens_cpu_vs_device", ran);
        Assert.Contains("dp_sgd_epsilon_record_level", ran);
        Assert.Contains("dp_sgd_entity_level", ran);
        Assert.Contains("checkpoint_resume_equals_uninterrupted", ran);
        Assert.Contains("dropout_resume_on_device", ran);
        Assert.Contains("varlen_attention_on_device", ran);
        Assert.Contains("throughput_vs_hf_peft", ran);
        Assert.Contains("speed_levers", ran);
        JsonElement levers = root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "speed_levers");
        Assert.True(levers.GetProperty("loss_chunking").GetProperty("whole_logits").GetProperty("tokens_per_second").GetDouble() > 0);
        Assert.Equal(4, levers.GetProperty("dp_packed").GetProperty("records_per_row").GetInt32());
        Assert.True(levers.GetProperty("dp_packed").GetProperty("dp_tokens_per_second").GetDouble() > 0);
        Assert.True(levers.GetProperty("packed_attention").GetProperty("dense_mask").GetProperty("tokens_per_second").GetDouble() > 0);
        Assert.True(levers.GetProperty("packed_attention").GetProperty("speedup_of_segments").GetDouble() > 0);
        Assert.True(levers.GetProperty("lora_in_base_dtype").GetProperty("speedup").GetDouble() > 0);
        // On the CPU variable-length attention runs record by record, and the figures say so.
        Assert.Equal("per_record", levers.GetProperty("varlen_attention").GetProperty("kernel").GetString());
        Assert.True(levers.GetProperty("varlen_attention").GetProperty("varlen").GetProperty("dp_tokens_per_second").GetDouble() > 0);
        Assert.True(levers.GetProperty("varlen_attention").GetProperty("speedup_over_segments").GetDouble() > 0);
        Assert.Equal(0.05, levers.GetProperty("lora_dropout").GetProperty("dropout_0_05").GetProperty("lora_dropout").GetDouble());
        Assert.True(levers.GetProperty("lora_dropout").GetProperty("relative_throughput").GetDouble() > 0);
        Assert.Contains("packed_real_data", ran);
        JsonElement realData = root.GetProperty("checks").EnumerateArray().Single(c => c.GetProperty("name").GetString() == "packed_real_data");
        Assert.Equal("alpaca_en_demo.json", realData.GetProperty("data").GetString());
        Assert.True(realData.GetProperty("segments").GetProperty("dp_tokens_per_second").GetDouble() > 0);
        Assert.Equal("per_record", realData.GetProperty("varlen").GetProperty("varlen_attention").GetString());
        JsonElement checkpointed = levers.GetProperty("gradient_checkpointing").GetProperty("finetune");
        Assert.True(checkpointed.GetProperty("gradient_checkpointing").GetBoolean());
        Assert.True(checkpointed.GetProperty("tokens_per_second").GetDouble() > 0);
    }

    [Fact]
    public async Task Only_RunsTheNamedChecksAndWhatTheyRead_SkipsTheRest()
    {
        // A lent GPU has minutes: --only must run exactly what it names (plus prerequisites) and say what it left out.
        (int exitCode, string output, string error) = await RunAsync("--cpu", "--out", _out, "--only", "greedy_tokens_cpu_vs_device");

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "gpu-check.json")));
        JsonElement root = summary.RootElement;
        Assert.Equal(new[] { "cpu_vs_device_f32_losses", "doctor", "greedy_tokens_cpu_vs_device" }, Passed(root).Order().ToArray());
        string[] leftOut = LeftOutByOnly(root);
        Assert.Contains("speed_levers", leftOut);
        Assert.Contains("dp_sgd_epsilon_record_level", leftOut);
    }

    [Fact]
    public async Task Only_Correctness_RunsEveryCheckButTheSpeedOnes()
    {
        // A lent GPU's first run when native code changed: the two halves together are every check.
        (int exitCode, string output, string error) = await RunAsync("--cpu", "--out", _out, "--only", "correctness");

        Assert.True(exitCode == 0, $"exit {exitCode}\n{output}\n{error}");
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "gpu-check.json")));
        JsonElement root = summary.RootElement;
        Assert.Empty(root.GetProperty("ungrouped").EnumerateArray());
        string[] leftOut = LeftOutByOnly(root).Order().ToArray();
        Assert.Equal(["packed_real_data", "speed_levers", "throughput_8b", "throughput_vs_hf_peft"], leftOut);
        Assert.Contains("varlen_attention_on_device", Passed(root));
        Assert.Contains("dropout_resume_on_device", Passed(root));
    }

    private static string[] LeftOutByOnly(JsonElement root) => root.GetProperty("checks").EnumerateArray()
        .Where(c => c.TryGetProperty("skipped", out JsonElement why) && why.GetString() == "not in --only")
        .Select(c => c.GetProperty("name").GetString()!)
        .ToArray();

    private static List<string?> Passed(JsonElement root) => root.GetProperty("checks").EnumerateArray()
        .Where(c => c.GetProperty("ok").ValueKind == JsonValueKind.True)
        .Select(c => c.GetProperty("name").GetString())
        .ToList();

    private static async Task<(int ExitCode, string Output, string Error)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(Path.Combine(RepoPaths.RepoRoot, "scripts", "gpu-check.sh"));
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }
        // The CLI these tests were built with, not ./finetune (which would rebuild the tree while tests run).
        start.Environment["FINETUNE"] = $"dotnet {Path.Combine(AppContext.BaseDirectory, "finetune.dll")}";
        start.Environment["GPU_CHECK_ASSETS"] = RepoPaths.SharedAssets;
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string output = await process.StandardOutput.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(10)), "the GPU check rehearsal did not finish in 10 minutes");
        return (process.ExitCode, output, await error);
    }
}
