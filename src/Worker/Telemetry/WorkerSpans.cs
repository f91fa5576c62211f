using System.Diagnostics;
using System.Text.Json;
using FineTune.Persistence.Observability;
using FineTune.Persistence.Queue;

namespace FineTune.Worker.Telemetry;

/// <summary>The worker's spans of a job's trace (<see cref="JobTrace"/>): <c>job.claim</c> and <c>job.train</c>.</summary>
public static class WorkerSpans
{
    /// <summary>Records the claim of <paramref name="lease"/>, from <paramref name="startedAt"/> (before the job was known) to now.</summary>
    public static void Claimed(JobLease lease, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(lease);
        using Activity? span = JobTrace.Start("job.claim", lease.JobId, startedAt);
        span?.SetTag(JobTrace.AttemptTag, lease.Attempt);
        span?.SetTag("finetune.worker.id", lease.WorkerId);
        if (lease.Job.AttemptedAt is DateTimeOffset claimedAt)
        {
            span?.SetTag("finetune.job.queue_wait_seconds", Math.Max(0, (claimedAt - lease.Job.CreatedAt).TotalSeconds));
        }
    }

    /// <summary>Starts the span of <paramref name="lease"/>'s attempt in <paramref name="slot"/>; end it with <see cref="End"/>.</summary>
    public static Activity? StartTrain(JobLease lease, int slot)
    {
        ArgumentNullException.ThrowIfNull(lease);
        Activity? span = JobTrace.Start("job.train", lease.JobId, DateTimeOffset.UtcNow);
        span?.SetTag(JobTrace.AttemptTag, lease.Attempt);
        span?.SetTag("finetune.job.backend", lease.Job.Backend);
        span?.SetTag("finetune.worker.slot", slot);
        return span;
    }

    /// <summary>Ends <paramref name="span"/> with the attempt's outcome; failures mark it as an error.</summary>
    public static void End(Activity? span, JobOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        if (span is null)
        {
            return;
        }
        span.SetTag("finetune.job.outcome", JsonNamingPolicy.SnakeCaseLower.ConvertName(outcome.Kind.ToString()));
        if (outcome.Kind is JobOutcomeKind.Failed or JobOutcomeKind.Retrying or JobOutcomeKind.Abandoned)
        {
            span.SetStatus(ActivityStatusCode.Error, outcome.Error);
        }
        span.Dispose();
    }
}
