using System.Diagnostics;
using System.Text.Json;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// The dashboard at <c>/</c> in real headless Chromium (Debian's <c>chromium</c>, driven by <c>playwright-core</c>
/// from <c>tools/dashboard-test/dashboard.mjs</c>) against <c>finetune serve</c> with real training: sign-in, upload,
/// submit from the form, live loss points, a reload mid-run with no gap or duplicate, cancel, pause and resume mid-run
/// (no step trained twice, a refused pause's reason shown), a DP job to the end,
/// the adapter download, the dataset preview, and a second tenant who sees none of it. Missing chromium or
/// node_modules fail with the fix, never skip.
/// </summary>
public sealed class DashboardBrowserTests : IDisposable
{
    private const string Chromium = "/usr/bin/chromium";
    private static readonly string s_tool = Path.Combine(RepoPaths.RepoRoot, "tools", "dashboard-test");

    private readonly ServeProcess _server = ServeProcess.Start();

    public void Dispose() => _server.Dispose();

    [Fact]
    public void Dashboard_InChromium_SignsInSubmitsWatchesReloadsCancelsPausesResumesDownloadsPreviewsAndKeepsTenantsApart()
    {
        Assert.True(File.Exists(Chromium), "Debian's chromium is not installed: run scripts/install-deps.sh (./test.sh does).");
        Assert.True(File.Exists(Path.Combine(s_tool, "node_modules", "playwright-core", "package.json")),
            "playwright-core is not installed: run `npm ci --prefix tools/dashboard-test` (./test.sh does).");
        CliRun other = CliRun.Invoke("keys", "create", "--tenant", "dashboard-other-" + Guid.NewGuid().ToString("N")[..8], "--connection", _server.Connection);
        Assert.True(other.ExitCode == 0, other.Error);
        (string good, string bad) = WriteDatasets();

        Dictionary<string, JsonElement> found = Run(other.Output.Trim(), good, bad);

        Assert.Equal("That API key is not valid.", found["wrong_key"].GetProperty("message").GetString());
        Assert.Equal(0, found["wrong_key"].GetProperty("kept").GetInt32());
        Assert.True(found["signed_in"].GetProperty("nav").GetBoolean());
        Assert.StartsWith("line 2", found["bad_upload"].GetProperty("first_error").GetString(), StringComparison.Ordinal);
        Assert.Contains("(24 records)", found["uploaded"].GetProperty("option").GetString(), StringComparison.Ordinal);

        // The chart grew while the page stayed open, then carried on after the reload from step 1, with no gap or duplicate.
        List<int> counts = found["live_points"].GetProperty("counts").EnumerateArray().Select(c => c.GetInt32()).ToList();
        Assert.True(counts.Count == 3 && counts[0] >= 3 && counts[1] > counts[0] && counts[2] > counts[1], string.Join(",", counts));
        JsonElement reloaded = found["reloaded"];
        Assert.True(reloaded.GetProperty("after").GetInt32() > reloaded.GetProperty("before").GetInt32());
        Assert.Equal(1, reloaded.GetProperty("first_step").GetInt32());
        Assert.Equal("cancelled", found["cancelled"].GetProperty("status").GetString());
        Assert.True(found["cancelled"].GetProperty("cancel_hidden").GetBoolean());
        AssertPausedAndResumed(found["paused_resumed"]);

        JsonElement dp = found["dp_job"];
        Assert.Equal(Enumerable.Range(1, 12), dp.GetProperty("steps").EnumerateArray().Select(s => s.GetInt32()));
        Assert.StartsWith("ε = ", dp.GetProperty("calculator").GetString(), StringComparison.Ordinal);
        Assert.Equal(12, dp.GetProperty("epsilon_points").GetInt32());
        Assert.Equal(8.0, dp.GetProperty("target").GetDouble());
        double epsilon = dp.GetProperty("last_epsilon").GetDouble();
        Assert.True(epsilon is > 0 and <= 8.0, $"ε spent {epsilon}");
        Assert.True(dp.GetProperty("eval_points").GetInt32() >= 1);
        Assert.All(new[] { "lr_points", "tokens_points", "grad_points" }, name => Assert.Equal(12, dp.GetProperty(name).GetInt32()));
        Assert.EndsWith("/ 8.00", dp.GetProperty("epsilon_fact").GetString(), StringComparison.Ordinal);
        Assert.NotEmpty(dp.GetProperty("checkpoints").EnumerateArray());

        JsonElement download = found["download"];
        Assert.Equal("adapter_model.safetensors", download.GetProperty("name").GetString());
        Assert.True(download.GetProperty("bytes").GetInt64() > 0);
        Assert.Equal(download.GetProperty("listed_sha256").GetString(), download.GetProperty("sha256").GetString());

        JsonElement preview = found["preview"];
        Assert.Contains("24 records", preview.GetProperty("counts").GetString(), StringComparison.Ordinal);
        Assert.Equal(5, preview.GetProperty("examples").GetInt32());
        Assert.True(preview.GetProperty("masked").GetInt32() >= 5 && preview.GetProperty("trained").GetInt32() >= 5);

        JsonElement otherTenant = found["other_tenant"];
        Assert.Contains("No jobs yet", otherTenant.GetProperty("jobs").GetString(), StringComparison.Ordinal);
        Assert.Equal($"no job {found["live_points"].GetProperty("job").GetString()}", otherTenant.GetProperty("job_page").GetString());
        Assert.Contains("No datasets yet", otherTenant.GetProperty("datasets").GetString(), StringComparison.Ordinal);

        // No console error, uncaught exception or failed request beyond the 401, 422, 409 and 404 provoked on purpose.
        Assert.Empty(found["problems"].GetProperty("tenant").EnumerateArray());
        Assert.Empty(otherTenant.GetProperty("problems").EnumerateArray());
        string refusedPause = $"409 /v1/jobs/{found["paused_resumed"].GetProperty("job").GetString()}/pause";
        Assert.Equal(new[] { "401 /v1/jobs", "422 /v1/datasets", refusedPause }, found["problems"].GetProperty("expected_seen").EnumerateArray().Select(e => e.GetString()));
        Assert.True(File.Exists(Path.Combine(_server.Folder, "dashboard-job.png")));
    }

    // Pause shows while the job runs, Resume while it is paused, neither once it has ended; the badge went from running
    // (through pausing, if a refresh caught it) to paused without a reload, no step came while paused, and the resumed
    // attempt went on from the checkpoint step to the end: every step once, in order, as the page received them.
    private static void AssertPausedAndResumed(JsonElement run)
    {
        static (bool Pause, bool Resume, bool Cancel) Buttons(JsonElement shown) =>
            (shown.GetProperty("pause").GetBoolean(), shown.GetProperty("resume").GetBoolean(), shown.GetProperty("cancel").GetBoolean());
        static List<string> Strings(JsonElement array) => array.EnumerateArray().Select(e => e.GetString()!).ToList();

        Assert.Equal((true, false, true), Buttons(run.GetProperty("buttons_running")));
        Assert.Equal((false, true, true), Buttons(run.GetProperty("buttons_paused")));
        Assert.Equal((false, false, false), Buttons(run.GetProperty("buttons_finished")));
        List<string> untilPaused = Strings(run.GetProperty("statuses_until_paused"));
        List<string> fromRunning = untilPaused.SkipWhile(status => status is "validating_files" or "queued").ToList();
        Assert.True(fromRunning.SequenceEqual(["running", "paused"]) || fromRunning.SequenceEqual(["running", "pausing", "paused"]), string.Join(",", untilPaused));
        List<string> statuses = Strings(run.GetProperty("statuses"));
        Assert.Equal("succeeded", statuses[^1]);
        Assert.Contains(statuses[untilPaused.Count], new[] { "queued", "running" });

        JsonElement paused = run.GetProperty("paused_event");
        int pausedStep = paused.GetProperty("step").GetInt32();
        Assert.Equal(pausedStep, paused.GetProperty("checkpoint_step").GetInt32());
        int total = run.GetProperty("total_steps").GetInt32();
        Assert.True(pausedStep >= 2 && pausedStep < total, $"paused at step {pausedStep} of {total}");
        Assert.Equal(pausedStep, run.GetProperty("steps_at_pause").GetInt32());
        Assert.Equal(pausedStep, run.GetProperty("steps_while_paused").GetInt32());
        Assert.Equal(Enumerable.Range(1, total), run.GetProperty("received_steps").EnumerateArray().Select(s => s.GetInt32()));
        Assert.Equal(Enumerable.Range(1, total), run.GetProperty("chart_steps").EnumerateArray().Select(s => s.GetInt32()));
        List<string> events = Strings(run.GetProperty("status_events"));
        Assert.Equal(new[] { "running", "pausing", "paused", "resumed", "running" }, events);
        Assert.Equal("the job is succeeded; only a queued or running job can be paused", run.GetProperty("refusal").GetString());
    }

    // The first 24 alpaca_en_demo records as JSON Lines (quick to train), and a file whose line 2 is not JSON.
    private (string Good, string Bad) WriteDatasets()
    {
        string demo = Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "alpaca_en_demo.json");
        using JsonDocument records = JsonDocument.Parse(File.ReadAllText(demo));
        List<string> lines = records.RootElement.EnumerateArray().Take(24).Select(record => record.GetRawText().Replace("\n", " ", StringComparison.Ordinal)).ToList();
        string good = Path.Combine(_server.Folder, "alpaca-24.jsonl");
        string bad = Path.Combine(_server.Folder, "broken.jsonl");
        File.WriteAllLines(good, lines);
        File.WriteAllLines(bad, [lines[0], "{\"instruction\": \"cut short", lines[2]]);
        return (good, bad);
    }

    private Dictionary<string, JsonElement> Run(string otherKey, string good, string bad)
    {
        var start = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false, WorkingDirectory = s_tool };
        foreach (string argument in new[] { "dashboard.mjs", "--url", _server.Url, "--key", _server.Key, "--other-key", otherKey, "--data", good, "--bad-data", bad, "--model", "tinystories-656k", "--out", _server.Folder, "--chromium", Chromium })
        {
            start.ArgumentList.Add(argument);
        }
        using Process node = Process.Start(start)!;
        Task<string> stderr = node.StandardError.ReadToEndAsync();
        string stdout = node.StandardOutput.ReadToEnd();
        Assert.True(node.WaitForExit(TimeSpan.FromMinutes(3)), "the browser script did not finish in 3 minutes");
        Assert.True(node.ExitCode == 0, $"node dashboard.mjs exited {node.ExitCode}: {stderr.Result}\n{stdout}");
        CopyScreenshotForDocs();
        return stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .ToDictionary(line => line.GetProperty("kind").GetString()!);
    }

    // FINETUNE_DASHBOARD_SCREENSHOTS=DIR keeps the screenshots (docs/dashboard-job.png is refreshed this way).
    private void CopyScreenshotForDocs()
    {
        if (Environment.GetEnvironmentVariable("FINETUNE_DASHBOARD_SCREENSHOTS") is { Length: > 0 } folder)
        {
            Directory.CreateDirectory(folder);
            foreach (string name in new[] { "dashboard-job.png", "dashboard-datasets.png" })
            {
                File.Copy(Path.Combine(_server.Folder, name), Path.Combine(folder, name), overwrite: true);
            }
        }
    }
}
