using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net;
using System.Text;
using System.Text.Json.Nodes;
using FineTune.Client;

namespace FineTune.Benchmarks;

/// <summary>
/// <c>finetune bench service</c>: three latencies of a running instance and a race of workers, each measured here, never estimated.
/// <list type="number">
/// <item>POST /v1/jobs at a fixed rate (target p99 &lt;= 20 ms at 500 req/s). Open loop, many requests in flight,
/// latency from each request's scheduled send time to the end of its response (<see cref="SubmitLoad"/>); warm-up
/// bursts at the same rate come first and are not counted. The jobs name a backend no live worker serves (GET /v1/backends), so none
/// trains; if every backend has a live worker, each job is cancelled as soon as it is created instead.</item>
/// <item>Submit to running with an idle worker (target &lt;= 100 ms): small real <c>libtorch-cpu</c> jobs (1 step,
/// max_seq_len 64, a 16-record text dataset), one at a time, timed from just before POST to the first 2 ms poll that
/// shows the job running (<see cref="SubmitToRunningProbe"/>).</item>
/// <item>Fan-out (target: 1,000 subscribers &lt;= 100 ms): one event appended through Persistence, as a worker would,
/// timed until the last of N SignalR subscribers has read it (<see cref="FanOutProbe"/>).</item>
/// <item>The race (target: 0 duplicate runs, 0 stuck jobs): N worker hosts over M short real jobs in a database of
/// their own, counted from our tables and Hangfire's (<see cref="WorkerRace"/>).</item>
/// </list>
/// The client runs on whatever machine runs this command; on a shared machine it competes with the service for CPU,
/// and its costs (scheduling lag, parsing a thousand sockets' frames) are inside the figures, never subtracted.
/// Every job carries <c>metadata.bench_run</c>; all of them are cancelled (the load's right after the load, so the
/// worker is idle for the second measurement) and the run ends only once none is left unfinished.
/// </summary>
internal static class ServiceBenchmark
{
    private const string MetadataKey = "bench_run";
    private static readonly string[] s_unfinished = ["validating_files", "queued", "running", "cancelling"];

    public static async Task<ServiceBenchmarkResult> RunAsync(ServiceBenchmarkOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var baseUrl = new Uri(options.Url.TrimEnd('/') + "/");
        using var client = new FineTuneClient(options.Url, options.ApiKey);
        string runId = Guid.NewGuid().ToString("N")[..12];
        string model = options.Model ?? await FirstModelAsync(client, cancellationToken);
        (string backend, bool cancelOnCreation) = await UnservedBackendAsync(client, cancellationToken);
        string datasetId = await UploadTinyDatasetAsync(client, cancellationToken);
        var created = new CreatedJobs();
        int cancelled = 0;
        try
        {
            JsonObject loadSpec = Spec(model, datasetId, backend, runId);
            SubmitLatencyResult submit;
            using (var load = new SubmitLoad(baseUrl, options.ApiKey, Encoding.UTF8.GetBytes(loadSpec.ToJsonString()), cancelOnCreation, created.Add))
            {
                submit = await load.RunAsync(backend, options.Rate, options.DurationSeconds, options.WarmupSeconds, cancellationToken);
            }
            cancelled += await CancelAsync(client, created.TakePending(), cancellationToken);

            SubmitToRunningResult running = await SubmitToRunningProbe.RunAsync(
                client, Spec(model, datasetId, SubmitToRunningProbe.Backend, runId), options.RunningRepeats, created.Add, cancellationToken);

            JsonObject fanOutJob = await client.CreateJobAsync(loadSpec, cancellationToken);
            string fanOutJobId = fanOutJob["id"]!.GetValue<string>();
            created.Add(fanOutJobId);
            FanOutResult fanOut = await FanOutProbe.RunAsync(client, baseUrl, options.ApiKey, options.Connection, fanOutJobId, options.Subscribers, cancellationToken);

            cancelled += await CancelAsync(client, created.TakePending(), cancellationToken);
            int left = await WaitUntilFinishedAsync(client, runId, cancellationToken);
            WorkerRaceResult? race = options.RaceWorkers > 0 && options.RaceJobs > 0
                ? await WorkerRace.RunAsync(options.Connection, options.RaceWorkers, options.RaceJobs, model, options.ModelsDir, cancellationToken)
                : null;
            return new ServiceBenchmarkResult(options.Url, model, runId, submit, running, fanOut, race, new CleanupResult(datasetId, created.Count, cancelled, left));
        }
        catch
        {
            // Leave the instance clean whatever failed; the original error is the one worth reporting.
            try
            {
                await CancelAsync(client, created.TakePending(), CancellationToken.None);
            }
            catch (Exception cleanup) when (cleanup is HttpRequestException or TaskCanceledException)
            {
                // The service is gone or failing; the original error says more than this one.
            }
            throw;
        }
    }

    private static JsonObject Spec(string model, string datasetId, string backend, string runId)
    {
        return new JsonObject
        {
            ["model"] = model,
            ["training_file"] = datasetId,
            ["backend"] = backend,
            ["hyperparameters"] = new JsonObject { ["steps"] = 1, ["max_seq_len"] = 64 },
            ["metadata"] = new JsonObject { [MetadataKey] = runId },
        };
    }

    private static async Task<string> FirstModelAsync(FineTuneClient client, CancellationToken cancellationToken)
    {
        JsonArray models = JsonNode.Parse(await client.Http.GetStringAsync("v1/models", cancellationToken))!["data"]!.AsArray();
        return models.FirstOrDefault()?["name"]?.GetValue<string>()
            ?? throw new ArgumentException("the instance serves no model (GET /v1/models is empty); add one to its models dir or give --model");
    }

    // A backend no live worker serves keeps the load's jobs queued; if every one is served, cancel each on creation.
    private static async Task<(string Backend, bool CancelOnCreation)> UnservedBackendAsync(FineTuneClient client, CancellationToken cancellationToken)
    {
        JsonArray backends = JsonNode.Parse(await client.Http.GetStringAsync("v1/backends", cancellationToken))!["data"]!.AsArray();
        Dictionary<string, int> live = backends.ToDictionary(b => b!["name"]!.GetValue<string>(), b => b!["live_workers"]!.GetValue<int>());
        if (live.GetValueOrDefault("libtorch-cuda", -1) == 0)
        {
            return ("libtorch-cuda", false);
        }
        string? unserved = live.FirstOrDefault(pair => pair.Value == 0).Key;
        return unserved is not null ? (unserved, false) : ("libtorch-cuda", true);
    }

    private static async Task<string> UploadTinyDatasetAsync(FineTuneClient client, CancellationToken cancellationToken)
    {
        string folder = Path.Combine(Path.GetTempPath(), "finetune-bench-service-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(folder);
        try
        {
            string path = Path.Combine(folder, "bench-service.jsonl");
            IEnumerable<string> lines = Enumerable.Range(0, 16)
                .Select(i => new JsonObject { ["text"] = $"Once upon a time there was a little robot number {i}. It liked to count." }.ToJsonString());
            await File.WriteAllLinesAsync(path, lines, cancellationToken);
            return (await client.UploadDatasetAsync(path, format: null, cancellationToken))["id"]!.GetValue<string>();
        }
        finally
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    // Cancels every job created so far (a finished one answers 409, which is fine); returns how many it cancelled.
    private static async Task<int> CancelAsync(FineTuneClient client, IReadOnlyList<string> jobIds, CancellationToken cancellationToken)
    {
        int cancelled = 0;
        await Parallel.ForEachAsync(jobIds, new ParallelOptions { MaxDegreeOfParallelism = 16, CancellationToken = cancellationToken }, async (id, token) =>
        {
            try
            {
                JsonObject job = await client.CancelJobAsync(id, token);
                if (job["status"]?.GetValue<string>() is "cancelled" or "cancelling")
                {
                    Interlocked.Increment(ref cancelled);
                }
            }
            catch (HttpRequestException exception) when (exception.StatusCode == HttpStatusCode.Conflict)
            {
                // Already succeeded or failed: finished, nothing to cancel.
            }
        });
        return cancelled;
    }

    // Waits (up to a minute) until no job of this run is unfinished, e.g. a cancelling one whose worker is stopping.
    private static async Task<int> WaitUntilFinishedAsync(FineTuneClient client, string runId, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            int left = 0;
            foreach (string status in s_unfinished)
            {
                left += await CountOfRunAsync(client, status, runId, cancellationToken);
            }
            if (left == 0 || waited.Elapsed > TimeSpan.FromMinutes(1))
            {
                return left;
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    private static async Task<int> CountOfRunAsync(FineTuneClient client, string status, string runId, CancellationToken cancellationToken)
    {
        int count = 0;
        string? after = null;
        while (true)
        {
            string query = $"v1/jobs?status={status}&limit=100" + (after is null ? "" : $"&after={after}");
            JsonNode page = JsonNode.Parse(await client.Http.GetStringAsync(query, cancellationToken))!;
            JsonArray jobs = page["data"]!.AsArray();
            count += jobs.Count(job => job!["metadata"]?[MetadataKey]?.GetValue<string>() == runId);
            if (!page["has_more"]!.GetValue<bool>() || jobs.Count == 0)
            {
                return count;
            }
            after = jobs[^1]!["id"]!.GetValue<string>();
        }
    }

    /// <summary>Every job the run created, and those not yet swept by a cancel.</summary>
    private sealed class CreatedJobs
    {
        private readonly ConcurrentQueue<string> _pending = new();
        private int _count;

        public int Count => Volatile.Read(ref _count);

        public void Add(string jobId)
        {
            _pending.Enqueue(jobId);
            Interlocked.Increment(ref _count);
        }

        public List<string> TakePending()
        {
            var taken = new List<string>();
            while (_pending.TryDequeue(out string? jobId))
            {
                taken.Add(jobId);
            }
            return taken;
        }
    }
}
