using System.Diagnostics;
using System.Text.Json.Nodes;
using FineTune.Client;

namespace FineTune.Benchmarks;

/// <summary>
/// Submit-to-running with an idle worker: a small real job is timed from just before its POST to the end of the first
/// GET /v1/jobs/{id} that no longer shows it waiting (polled every 2 ms, so the figure is at most about one poll late).
/// The samples run one after another, each once a live worker offering the backend reports itself idle, and each job
/// is followed to its end before the next is submitted.
/// </summary>
internal static class SubmitToRunningProbe
{
    public const string Backend = "libtorch-cpu";

    private static readonly TimeSpan s_pollInterval = TimeSpan.FromMilliseconds(2);
    private static readonly TimeSpan s_pickUpTimeout = TimeSpan.FromMinutes(1);
    private static readonly TimeSpan s_idleTimeout = TimeSpan.FromMinutes(5);

    public static async Task<SubmitToRunningResult> RunAsync(FineTuneClient client, JsonObject spec, int repeats, Action<string> onCreated, CancellationToken cancellationToken)
    {
        var samples = new List<double>();
        var finalStatuses = new List<string>();
        for (int i = 0; i < repeats; i++)
        {
            if (!await WaitForIdleWorkerAsync(client, cancellationToken))
            {
                return new SubmitToRunningResult(Backend, samples, finalStatuses, null, null, null, TargetMs: 100,
                    $"no live worker offers {Backend} (GET /v1/workers), so no job of it can start");
            }
            long start = Stopwatch.GetTimestamp();
            JsonObject job = await client.CreateJobAsync((JsonObject)spec.DeepClone(), cancellationToken);
            string id = job["id"]!.GetValue<string>();
            onCreated(id);
            string status = job["status"]!.GetValue<string>();
            long nextPoll = start;
            while (status is "validating_files" or "queued")
            {
                if (Stopwatch.GetElapsedTime(start) > s_pickUpTimeout)
                {
                    throw new TimeoutException($"job {id} was still {status} after {s_pickUpTimeout.TotalSeconds:F0} s although a worker was idle");
                }
                nextPoll += (long)(s_pollInterval.TotalSeconds * Stopwatch.Frequency);
                TimeSpan wait = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), nextPoll);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, cancellationToken);
                }
                status = (await client.GetJobAsync(id, cancellationToken))["status"]!.GetValue<string>();
            }
            // Running, or already past it if the job ended between two polls: either way it had started by now.
            samples.Add(Stopwatch.GetElapsedTime(start).TotalMilliseconds);
            finalStatuses.Add(await WaitForEndAsync(client, id, cancellationToken));
        }
        double[] sorted = Percentiles.Sorted(samples);
        return new SubmitToRunningResult(Backend, samples, finalStatuses, Percentiles.Of(sorted, 0.5), Percentiles.Of(sorted, 0.99), sorted[^1], TargetMs: 100, null);
    }

    // True once a live worker offering the backend is idle; false when no live worker offers it at all.
    private static async Task<bool> WaitForIdleWorkerAsync(FineTuneClient client, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            JsonArray workers = JsonNode.Parse(await client.Http.GetStringAsync("v1/workers", cancellationToken))!["data"]!.AsArray();
            List<JsonNode> offering = [.. workers.Where(worker => worker!["backends"]!.AsArray().Any(name => name!.GetValue<string>() == Backend)).Select(worker => worker!)];
            if (offering.Count == 0)
            {
                return false;
            }
            if (offering.Any(worker => !worker["busy"]!.GetValue<bool>()))
            {
                return true;
            }
            if (waited.Elapsed > s_idleTimeout)
            {
                throw new TimeoutException($"every {Backend} worker stayed busy for {s_idleTimeout.TotalMinutes:F0} minutes");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(200), cancellationToken);
        }
    }

    private static async Task<string> WaitForEndAsync(FineTuneClient client, string id, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (true)
        {
            string status = (await client.GetJobAsync(id, cancellationToken))["status"]!.GetValue<string>();
            if (status is "succeeded" or "failed" or "cancelled")
            {
                return status;
            }
            if (waited.Elapsed > s_idleTimeout)
            {
                throw new TimeoutException($"job {id} was still {status} after {s_idleTimeout.TotalMinutes:F0} minutes");
            }
            await Task.Delay(TimeSpan.FromMilliseconds(50), cancellationToken);
        }
    }
}
