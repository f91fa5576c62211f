using System.Diagnostics;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Observability;

namespace FineTune.Api.Telemetry;

/// <summary>The <c>job.submit</c> span: the first span of a job's trace (<see cref="JobTrace"/>).</summary>
public static class SubmitSpan
{
    /// <summary>
    /// Records the submission of <paramref name="job"/>, from <paramref name="startedAt"/> (when the request's body
    /// began to be read, before the job had an ID) to now, linked to the HTTP request's span when there is one.
    /// </summary>
    public static void Record(Job job, DateTimeOffset startedAt)
    {
        ArgumentNullException.ThrowIfNull(job);
        using Activity? span = JobTrace.Start("job.submit", job.Id, startedAt, Activity.Current?.Context ?? default);
        span?.SetTag("finetune.job.backend", job.Backend);
        span?.SetTag("finetune.tenant.id", job.TenantId.ToString());
    }
}
