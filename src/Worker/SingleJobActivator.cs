using FineTune.Persistence.Delivery;
using Hangfire;

namespace FineTune.Worker;

/// <summary>
/// The activator of one Hangfire server: it hands out that server's <see cref="JobExecution"/>, which knows the
/// server's slot (its GPU). Hangfire's default activator would construct types by reflection, and the only job type
/// FineTune enqueues is <see cref="IJobExecution"/>.
/// </summary>
internal sealed class SingleJobActivator(JobExecution execution) : JobActivator
{
    public override object ActivateJob(Type jobType)
    {
        return jobType == typeof(IJobExecution) || jobType == typeof(JobExecution)
            ? execution
            : throw new InvalidOperationException($"this worker runs only {nameof(IJobExecution)} jobs, not {jobType}");
    }
}
