using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FineTune.Benchmarks;
using FineTune.Contracts.Hosting;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune bench service [--json]</c>: POST /v1/jobs latency at a fixed rate, submit-to-running with an idle
/// worker, and the time for one event to reach N SignalR subscribers, measured against a running instance
/// (<see cref="ServiceBenchmark"/> documents how).
/// </summary>
internal static class BenchServiceCommand
{
    public static Command Create(TextWriter output)
    {
        var url = new Option<string?>("--url") { Description = "Service URL (default FINETUNE_URL, else http://127.0.0.1:8080)" };
        var key = new Option<string?>("--key") { Description = "API key (default FINETUNE_API_KEY)" };
        var connection = new Option<string?>("--connection") { Description = "The service's Postgres, for the fan-out event (default FINETUNE_DB)" };
        var rate = new Option<double>("--rate") { Description = "POST /v1/jobs requests per second", DefaultValueFactory = _ => 500 };
        var duration = new Option<double>("--duration") { Description = "Seconds of measured load at that rate", DefaultValueFactory = _ => 10 };
        var warmup = new Option<double>("--warmup") { Description = "Seconds of load before the measured part, in 1 s bursts (not counted)", DefaultValueFactory = _ => 5 };
        var subscribers = new Option<int>("--subscribers") { Description = "SignalR clients the fan-out event goes to", DefaultValueFactory = _ => 1000 };
        var model = new Option<string?>("--model") { Description = "A model the instance serves (default: the first of GET /v1/models)" };
        var runningRepeats = new Option<int>("--running-repeats") { Description = "Submit->running samples, one job at a time", DefaultValueFactory = _ => 20 };
        var raceWorkers = new Option<int>("--race-workers") { Description = "Worker hosts racing over the race's jobs (0 skips the race)", DefaultValueFactory = _ => 8 };
        var raceJobs = new Option<int>("--race-jobs") { Description = "Short real jobs of the race (1 step each)", DefaultValueFactory = _ => 2000 };
        var modelsDir = new Option<string?>("--models-dir") { Description = "Models folder of the race's workers (default: FINETUNE_MODELS_DIR, else ./models)" };
        var json = CliOptions.Json();
        var command = new Command("service", "Submit latency at a fixed rate (p99 <= 20 ms at 500 req/s), submit->running (p50 <= 100 ms), event fan-out (1,000 subscribers <= 100 ms), 8 workers racing over 2,000 jobs (0 duplicates, 0 stuck)")
        {
            url, key, connection, rate, duration, warmup, subscribers, model, runningRepeats, raceWorkers, raceJobs, modelsDir, json,
        };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            ServiceBenchmarkOptions options = Options(
                parseResult.GetValue(url), parseResult.GetValue(key), parseResult.GetValue(connection),
                parseResult.GetValue(rate), parseResult.GetValue(duration), parseResult.GetValue(warmup), parseResult.GetValue(subscribers), parseResult.GetValue(model)) with
            {
                RunningRepeats = parseResult.GetValue(runningRepeats),
                RaceWorkers = parseResult.GetValue(raceWorkers),
                RaceJobs = parseResult.GetValue(raceJobs),
                ModelsDir = parseResult.GetValue(modelsDir),
            };
            if (options.RunningRepeats < 1 || options.RaceWorkers < 0 || options.RaceJobs < 0)
            {
                throw new ArgumentException("--running-repeats must be at least 1, --race-workers and --race-jobs 0 or more");
            }
            ServiceBenchmarkResult result = await ServiceBenchmark.RunAsync(options, cancellationToken);
            if (parseResult.GetValue(json))
            {
                output.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
            }
            else
            {
                WriteSummary(output, result);
            }
            return 0;
        });
        return command;
    }

    private static ServiceBenchmarkOptions Options(string? url, string? key, string? connection, double rate, double duration, double warmup, int subscribers, string? model)
    {
        if (!(rate > 0) || !(duration > 0))
        {
            throw new ArgumentException("--rate and --duration must be positive");
        }
        if (warmup < 0)
        {
            throw new ArgumentException("--warmup must be 0 or more");
        }
        if (subscribers < 1)
        {
            throw new ArgumentException("--subscribers must be at least 1");
        }
        string apiKey = key ?? Environment.GetEnvironmentVariable("FINETUNE_API_KEY")
            ?? throw new ArgumentException("give --key or set FINETUNE_API_KEY (./finetune serve prints a key)");
        string database = connection ?? FineTuneEnvironment.Database
            ?? throw new ArgumentException("give --connection or set FINETUNE_DB: the fan-out measurement appends its event to the service's database, as a worker does");
        return new ServiceBenchmarkOptions(
            url ?? Environment.GetEnvironmentVariable("FINETUNE_URL") ?? "http://127.0.0.1:8080", apiKey, database, rate, duration, subscribers, model)
        {
            WarmupSeconds = warmup,
        };
    }

    private static void WriteSummary(TextWriter output, ServiceBenchmarkResult r)
    {
        SubmitLatencyResult s = r.Submit;
        SubmitToRunningResult running = r.SubmitToRunning;
        FanOutResult f = r.FanOut;
        output.WriteLine($"FineTune at {r.Url}, model {r.Model} (run {r.RunId})");
        output.WriteLine($"POST /v1/jobs, open loop at {s.TargetRate:F0} req/s for {s.DurationSeconds:G} s after a {s.WarmupSeconds:G} s warm-up "
            + $"(backend {s.Backend}{(s.CancelledOnCreation ? ", cancelled on creation: every backend has a live worker" : ", no live worker")}):");
        output.WriteLine($"  {s.Requests} requests, {s.Errors} errors, {s.AchievedRate:F1} responses/s{(s.FirstError is null ? "" : $"; first error: {s.FirstError}")}");
        output.WriteLine(s.Throttled == 0
            ? "  rate limit: no 429 — all the load came from one tenant, so the server's per-tenant limit was raised to this rate or is off (ApiOptions:RateLimitPerSecond)"
            : $"  rate limit: {s.Throttled} requests answered 429 — the server limits one tenant below this rate; run it with ApiOptions__RateLimitPerSecond >= {s.TargetRate:F0} (0 = off) to measure the service");
        output.WriteLine($"  p50 {s.P50Ms:F1} ms, p90 {s.P90Ms:F1} ms, p99 {s.P99Ms:F1} ms (target <= {s.TargetP99Ms:F0} ms: {Verdict(s.TargetMet)}), "
            + $"max {s.MaxMs:F1} ms; scheduler send lag p99 {s.SendLagP99Ms:F2} ms (inside the latencies)");
        output.WriteLine(running.SkippedReason is { } reason
            ? $"submit -> running: skipped, {reason}"
            : $"submit -> running ({running.Backend}, idle Hangfire worker woken by long polling, {running.SamplesMs.Count} jobs one at a time): "
              + $"p50 {running.MedianMs:F1} ms (target <= {running.TargetMs:F0} ms: {Verdict(running.TargetMet)}), p99 {running.P99Ms:F1} ms, max {running.MaxMs:F1} ms; "
              + $"samples {string.Join(", ", running.SamplesMs.Select(ms => ms.ToString("F1", CultureInfo.InvariantCulture)))} ms; jobs {string.Join(", ", running.FinalStatuses.Distinct())}");
        output.WriteLine($"fan-out of one event to {f.Subscribers} SignalR subscribers ({f.Connected} connected in {f.ConnectSeconds:F1} s, {f.Received} received): "
            + $"last after {f.LastReceivedMs:F1} ms (target <= {f.TargetMs:F0} ms: {Verdict(f.TargetMet)}); per client p50 {f.P50Ms:F1} ms, p99 {f.P99Ms:F1} ms; "
            + $"the append itself {f.AppendMs:F1} ms{(f.FirstError is null ? "" : $"; first error: {f.FirstError}")}");
        if (r.Race is { } race)
        {
            output.WriteLine($"race: {race.Workers} workers (Hangfire servers, {race.WorkersThatRan} ran jobs) over {race.Jobs} one-step jobs in database {race.Database} (dropped after): "
                + $"submitted in {race.SubmitSeconds:F1} s, all final after {race.WallSeconds:F1} s ({race.JobsPerSecond:F1} jobs/s), {race.Succeeded} succeeded");
            output.WriteLine($"  ours: {race.DuplicateRuns} duplicate runs, {race.RedoneSteps} redone steps, {race.Stuck} stuck, {race.Retried} retried; "
                + $"Hangfire: {race.HangfireJobs} jobs, {race.HangfireDeliveries} deliveries, {race.HangfireFailed} failed, {race.HangfireStuck} stuck, "
                + $"{race.HangfireScheduled} look-agains pending, {race.HangfireQueueLeft} queue entries left (target 0 duplicates, 0 stuck: {Verdict(race.TargetMet)})");
        }
        output.WriteLine($"cleanup: {r.Cleanup.JobsCreated} jobs created, {r.Cleanup.JobsCancelled} cancelled, the rest finished; {r.Cleanup.JobsLeftUnfinished} left unfinished "
            + $"(dataset {r.Cleanup.DatasetId} kept: jobs reference it)");
    }

    private static string Verdict(bool met) => met ? "met" : "NOT met";
}
