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
        var start = new ProcessStartInfo("bash") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { Path.Combine(RepoPaths.RepoRoot, "scripts", "gpu-check.sh"), "--cpu", "--out", _out })
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

        Assert.True(process.ExitCode == 0, $"exit {process.ExitCode}\n{output}\n{await error}");
        using JsonDocument summary = JsonDocument.Parse(File.ReadAllText(Path.Combine(_out, "gpu-check.json")));
        JsonElement root = summary.RootElement;
        Assert.True(root.GetProperty("ok").GetBoolean());
        Assert.Equal("cpu rehearsal", root.GetProperty("mode").GetString());
        var ran = root.GetProperty("checks").EnumerateArray()
            .Where(c => c.GetProperty("ok").ValueKind == JsonValueKind.True)
            .Select(c => c.GetProperty("name").GetString())
            .ToList();
        Assert.Contains("cpu_vs_device_f32_losses", ran);
        Assert.Contains("greedy_tokens_cpu_vs_device", ran);
        Assert.Contains("dp_sgd_epsilon_record_level", ran);
        Assert.Contains("dp_sgd_entity_level", ran);
        Assert.Contains("checkpoint_resume_equals_uninterrupted", ran);
        Assert.Contains("throughput_vs_hf_peft", ran);
    }
}
