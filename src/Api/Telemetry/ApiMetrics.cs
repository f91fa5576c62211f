using System.Diagnostics.Metrics;
using FineTune.Persistence.Queue;

namespace FineTune.Api.Telemetry;

/// <summary>
/// The API's own instruments (meter <c>FineTune.Api</c>); docs/operations.md lists them with their Prometheus names.
/// Job counts come from the database at scrape time (<see cref="JobCountsSnapshot"/>); the event fan-out lag is
/// measured where the hub hands an event to a subscriber.
/// </summary>
public sealed class ApiMetrics : IDisposable
{
    /// <summary>The meter name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "FineTune.Api";

    // Fan-out should take milliseconds (NOTIFY, one read, one send); the upper buckets show a stalled pump.
    private static readonly double[] s_lagBucketsSeconds = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30];

    private readonly Meter _meter;
    private readonly Histogram<double> _fanOutLag;

    /// <summary>Creates the instruments on a meter from <paramref name="meters"/>.</summary>
    public ApiMetrics(IMeterFactory meters, JobCountsSnapshot counts)
    {
        ArgumentNullException.ThrowIfNull(meters);
        ArgumentNullException.ThrowIfNull(counts);
        _meter = meters.Create(MeterName);
        _fanOutLag = _meter.CreateHistogram(
            "finetune.events.fanout.lag",
            unit: "s",
            description: "From a job event's append to the database to its hand-over to a hub subscriber (live events only, not catch-up).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_lagBucketsSeconds });
        _meter.CreateObservableGauge(
            "finetune.jobs",
            () => counts.Read()
                .GroupBy(count => count.State)
                .Select(group => new Measurement<long>(group.Sum(count => count.Count), new KeyValuePair<string, object?>("state", group.Key))),
            unit: "{job}",
            description: "Jobs by state (the job_state enum: validating_files, queued, running, retryable, cancelling, succeeded, failed, cancelled).");
        _meter.CreateObservableGauge(
            "finetune.queue.depth",
            () => Waiting(counts).Select(count => new Measurement<long>(count.Count, Backend(count))),
            unit: "{job}",
            description: "Jobs waiting for a worker (queued or retryable), by backend.");
        _meter.CreateObservableGauge(
            "finetune.queue.oldest_wait",
            () => Waiting(counts).Select(count => new Measurement<double>(counts.AgeSeconds(count.OldestCreatedAt), Backend(count))),
            unit: "s",
            description: "Age of the oldest job waiting for a worker, by backend: what a queue-wait alert watches.");
    }

    /// <summary>
    /// Records the lag of an event handed to a subscriber: <paramref name="storedAt"/> is its append time (the
    /// database's clock). Events stored before <paramref name="subscribedAt"/> are catch-up reads, not fan-out, and are
    /// left out.
    /// </summary>
    public void EventDelivered(DateTimeOffset storedAt, DateTimeOffset subscribedAt, DateTimeOffset deliveredAt)
    {
        if (storedAt < subscribedAt)
        {
            return;
        }
        // Clamped: the database's and this host's clocks may differ by a little.
        _fanOutLag.Record(Math.Max(0, (deliveredAt - storedAt).TotalSeconds));
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    private static IEnumerable<JobCountsSnapshot.JobCount> Waiting(JobCountsSnapshot counts)
    {
        string queued = nameof(JobState.Queued).ToLowerInvariant(), retryable = nameof(JobState.Retryable).ToLowerInvariant();
        return counts.Read()
            .Where(count => count.State == queued || count.State == retryable)
            .GroupBy(count => count.Backend)
            .Select(group => new JobCountsSnapshot.JobCount("waiting", group.Key, group.Sum(count => count.Count), group.Min(count => count.OldestCreatedAt)));
    }

    private static KeyValuePair<string, object?> Backend(JobCountsSnapshot.JobCount count) => new("backend", count.Backend);
}
