using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Observability;
using FineTune.Worker.Telemetry;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

/// <summary>
/// A real job on a real worker, watched the way an exporter watches it: an in-process <see cref="ActivityListener"/>
/// sees the claim and train spans in the job's trace, and a <see cref="MeterListener"/> sees the worker's instruments.
/// </summary>
public sealed class WorkerTelemetryTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_Job_TracesClaimAndTrainInTheJobsTraceAndCountsItsSteps()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var activities = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTrace.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(activities);
        var measurements = new ConcurrentQueue<(string Instrument, double Value, string? Outcome)>();
        using var meters = new MeterListener
        {
            InstrumentPublished = (instrument, listener) =>
            {
                if (instrument.Meter.Name == WorkerMetrics.MeterName)
                {
                    listener.EnableMeasurementEvents(instrument);
                }
            },
        };
        meters.SetMeasurementEventCallback<long>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Outcome(tags))));
        meters.SetMeasurementEventCallback<double>((instrument, value, tags, _) => measurements.Enqueue((instrument.Name, value, Outcome(tags))));
        meters.Start();
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        Job job = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 2, saveEvery: 0), dataset);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A");

        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(job.Id, WorkerTestContext.Timeout());

        Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind);
        ActivityTraceId trace = JobTrace.TraceIdOf(job.Id);
        Assert.Equal(job.Id.ToString("N"), trace.ToHexString());
        Activity[] ofJob = spans.Where(span => span.TraceId == trace).ToArray();
        Activity claim = Assert.Single(ofJob, span => span.OperationName == "job.claim");
        Activity train = Assert.Single(ofJob, span => span.OperationName == "job.train");
        Assert.Equal(JobTrace.RootOf(job.Id).SpanId, claim.ParentSpanId);
        Assert.Equal(job.Id.ToString(), train.GetTagItem(JobTrace.JobIdTag));
        Assert.Equal(1, train.GetTagItem(JobTrace.AttemptTag));
        Assert.Equal("succeeded", train.GetTagItem("finetune.job.outcome"));
        Assert.True(claim.StartTimeUtc <= train.StartTimeUtc, "the claim precedes the training");
        Assert.True(train.Duration > TimeSpan.Zero);
        // Other tests' workers share the process's meters, so these are lower bounds.
        Assert.True(measurements.Count(m => m.Instrument == "finetune.train.steps") >= 2);
        Assert.Contains(measurements, m => m.Instrument == "finetune.train.tokens" && m.Value > 0);
        Assert.Contains(measurements, m => m.Instrument == "finetune.queue.wait" && m.Value >= 0);
        Assert.Contains(measurements, m => m.Instrument == "finetune.worker.attempts" && m.Outcome == "succeeded");
    }

    private static string? Outcome(ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        foreach (KeyValuePair<string, object?> tag in tags)
        {
            if (tag.Key == "outcome")
            {
                return tag.Value as string;
            }
        }
        return null;
    }
}
