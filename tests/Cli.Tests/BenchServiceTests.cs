using System.Net.Http.Headers;
using System.Text.Json;

namespace FineTune.Cli.Tests;

/// <summary>
/// <c>finetune bench service</c> against <c>finetune serve</c> run as its own process: every figure is present,
/// positive and consistent, every subscriber got the event, and no job the benchmark created is left unfinished.
/// </summary>
public sealed class BenchServiceTests : IDisposable
{
    private static readonly string[] s_unfinished = ["validating_files", "queued", "running", "cancelling"];

    private readonly ServeProcess _server = ServeProcess.Start();

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task BenchService_SmallSettings_MeasuresEveryFigureAndLeavesNoJobUnfinished()
    {
        CliRun run = CliRun.Invoke(
            "bench", "service", "--json", "--url", _server.Url, "--key", _server.Key, "--connection", _server.Connection,
            "--rate", "50", "--duration", "2", "--warmup", "1", "--subscribers", "20", "--running-repeats", "5",
            "--race-workers", "2", "--race-jobs", "40", "--models-dir", Path.Combine(_server.Folder, "models"));

        Assert.True(run.ExitCode == 0, run.Error + run.Output);
        using JsonDocument result = JsonDocument.Parse(run.Output);
        JsonElement root = result.RootElement;
        Assert.Equal("tinystories-656k", root.GetProperty("model").GetString());

        JsonElement submit = root.GetProperty("submit");
        Assert.Equal(100, submit.GetProperty("requests").GetInt32());
        Assert.Equal(100, submit.GetProperty("succeeded").GetInt32());
        Assert.Equal(0, submit.GetProperty("errors").GetInt32());
        Assert.Equal(0, submit.GetProperty("throttled").GetInt32());
        Assert.Equal(JsonValueKind.Null, submit.GetProperty("first_error").ValueKind);
        Assert.InRange(submit.GetProperty("achieved_rate").GetDouble(), 25, 75);
        AssertAscendingPositive(submit, "p50_ms", "p90_ms", "p99_ms", "max_ms");
        Assert.True(submit.GetProperty("send_lag_p99_ms").GetDouble() >= 0);

        JsonElement running = root.GetProperty("submit_to_running");
        Assert.Equal(JsonValueKind.Null, running.GetProperty("skipped_reason").ValueKind);
        double[] samples = [.. running.GetProperty("samples_ms").EnumerateArray().Select(sample => sample.GetDouble())];
        Assert.Equal(5, samples.Length);
        Assert.All(samples, sample => Assert.True(sample > 0));
        AssertAscendingPositive(running, "median_ms", "p99_ms", "max_ms");
        Assert.Equal(samples.Max(), running.GetProperty("max_ms").GetDouble());
        Assert.All(running.GetProperty("final_statuses").EnumerateArray(), status => Assert.Equal("succeeded", status.GetString()));

        JsonElement fanOut = root.GetProperty("fan_out");
        Assert.Equal(20, fanOut.GetProperty("subscribers").GetInt32());
        Assert.Equal(20, fanOut.GetProperty("connected").GetInt32());
        Assert.Equal(20, fanOut.GetProperty("received").GetInt32());
        Assert.Equal(JsonValueKind.Null, fanOut.GetProperty("first_error").ValueKind);
        Assert.True(fanOut.GetProperty("append_ms").GetDouble() > 0);
        Assert.True(fanOut.GetProperty("connect_seconds").GetDouble() > 0);
        AssertAscendingPositive(fanOut, "p50_ms", "p99_ms", "last_received_ms");

        // The race: 2 workers over 40 one-step jobs, counted in our tables and Hangfire's.
        JsonElement race = root.GetProperty("race");
        Assert.Equal(40, race.GetProperty("jobs").GetInt32());
        Assert.Equal(40, race.GetProperty("succeeded").GetInt32());
        Assert.Equal(2, race.GetProperty("workers_that_ran").GetInt32());
        Assert.Equal(0, race.GetProperty("duplicate_runs").GetInt32());
        Assert.Equal(0, race.GetProperty("redone_steps").GetInt32());
        Assert.Equal(0, race.GetProperty("stuck").GetInt32());
        Assert.Equal(0, race.GetProperty("hangfire_stuck").GetInt32());
        Assert.Equal(0, race.GetProperty("hangfire_failed").GetInt32());
        Assert.Equal(0, race.GetProperty("hangfire_queue_left").GetInt32());
        Assert.True(race.GetProperty("hangfire_deliveries").GetInt32() >= 40);
        Assert.True(race.GetProperty("target_met").GetBoolean());

        // 50 warm-up and 100 measured load jobs, 5 submit-to-running jobs (succeeded) and the fan-out job.
        JsonElement cleanup = root.GetProperty("cleanup");
        Assert.Equal(156, cleanup.GetProperty("jobs_created").GetInt32());
        Assert.Equal(151, cleanup.GetProperty("jobs_cancelled").GetInt32());
        Assert.Equal(0, cleanup.GetProperty("jobs_left_unfinished").GetInt32());
        Assert.Empty(await UnfinishedJobsOfRunAsync(root.GetProperty("run_id").GetString()!));
    }

    private static void AssertAscendingPositive(JsonElement figures, params string[] names)
    {
        double[] values = [.. names.Select(name => figures.GetProperty(name).GetDouble())];
        Assert.True(values[0] > 0, $"{names[0]} = {values[0]}");
        for (int i = 1; i < values.Length; i++)
        {
            Assert.True(values[i - 1] <= values[i], $"{names[i - 1]} = {values[i - 1]} > {names[i]} = {values[i]}");
        }
    }

    // Checked through the API independently of the benchmark's own count: every page of every unfinished status.
    private async Task<List<string>> UnfinishedJobsOfRunAsync(string runId)
    {
        using var http = new HttpClient { BaseAddress = new Uri(_server.Url.TrimEnd('/') + "/") };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", _server.Key);
        var unfinished = new List<string>();
        foreach (string status in s_unfinished)
        {
            string? after = null;
            bool more = true;
            while (more)
            {
                using JsonDocument page = JsonDocument.Parse(await http.GetStringAsync($"v1/jobs?status={status}&limit=100{(after is null ? "" : "&after=" + after)}"));
                JsonElement[] jobs = [.. page.RootElement.GetProperty("data").EnumerateArray()];
                unfinished.AddRange(jobs
                    .Where(job => job.GetProperty("metadata").TryGetProperty("bench_run", out JsonElement run) && run.GetString() == runId)
                    .Select(job => job.GetProperty("id").GetString()!));
                more = page.RootElement.GetProperty("has_more").GetBoolean() && jobs.Length > 0;
                after = jobs.Length > 0 ? jobs[^1].GetProperty("id").GetString() : null;
            }
        }
        return unfinished;
    }
}

public class BenchServiceOptionsTests
{
    [Fact]
    public void BenchService_NonPositiveRate_IsAClearError()
    {
        CliRun run = CliRun.Invoke("bench", "service", "--rate", "0", "--key", "ft_unused", "--connection", "Host=unused");

        Assert.Equal(1, run.ExitCode);
        Assert.Contains("--rate", run.Error);
    }
}
