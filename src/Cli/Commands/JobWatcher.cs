using System.Text.Json.Nodes;
using FineTune.Client;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune jobs watch</c> and <c>jobs submit --watch</c>: shows a job's events as the jobs hub sends them
/// (<see cref="JobEventFeed"/>: the official SignalR client, subscribing again from the last seq after a dropped
/// connection) until the job ends. The job's status comes from the REST API, asked after an event that may end the job
/// and after every quiet spell, so a job that ends without a final event (cancelled while queued) still ends the watch.
/// </summary>
internal static class JobWatcher
{
    private static readonly TimeSpan s_quiet = TimeSpan.FromSeconds(5);

    /// <summary>Follows the job until it ends; exit code 0 only when it succeeded.</summary>
    public static async Task<int> WatchAsync(FineTuneClient client, string id, TextWriter output, CancellationToken cancellationToken)
    {
        if (!Guid.TryParse(id, out Guid jobId))
        {
            throw new ArgumentException($"'{id}' is not a job ID (a UUID such as finetune jobs submit prints)");
        }
        // Asked first over REST, so an unreachable service or an unknown job is the client's one clear line, not the
        // hub connection's error.
        await client.GetJobAsync(id, cancellationToken);
        var progress = new JobProgressView(output);
        await using JobEventFeed feed = await JobEventFeed.SubscribeAsync(client.BaseUrl, client.ApiKey, jobId, afterSeq: 0, cancellationToken);
        while (true)
        {
            JsonObject? jobEvent = await feed.NextAsync(s_quiet, cancellationToken);
            if (jobEvent is not null)
            {
                progress.Show(jobEvent);
                if (jobEvent["type"]?.GetValue<string>() is not ("completed" or "failed" or "status"))
                {
                    continue;
                }
            }
            JsonObject job = await client.GetJobAsync(id, cancellationToken);
            string status = job["status"]?.GetValue<string>() ?? "";
            if (status is "succeeded" or "failed" or "cancelled")
            {
                while (feed.TryRead(out JsonObject? received))
                {
                    progress.Show(received!);
                }
                progress.Finish(job);
                return status == "succeeded" ? 0 : 1;
            }
        }
    }
}
