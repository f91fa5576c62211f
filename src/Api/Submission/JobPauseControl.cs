using FineTune.Persistence.Delivery;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;

namespace FineTune.Api.Submission;

/// <summary>
/// Pause and resume as both surfaces offer them (<c>/v1/jobs/{id}/pause|resume</c> and OpenAI's
/// <c>/v1/fine_tuning/jobs/{id}/pause|resume</c>): the same rules, the same wording of a refusal, each surface
/// rendering the result its own way. docs/queue.md draws the transitions.
/// </summary>
public static class JobPauseControl
{
    /// <summary>
    /// Pauses a queued or running job (a running one shows as <c>pausing</c> until its worker has stored a checkpoint
    /// and stopped); pausing a paused job changes nothing. Returns the job afterwards and, when its state does not allow
    /// a pause, why (naming the state); a null job when the tenant has no such job.
    /// </summary>
    public static async Task<(Job? Job, string? Refusal)> PauseAsync(JobQueue queue, JobDispatcher dispatcher, Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        JobControl? control = await dispatcher.PauseAsync(queue, tenantId, jobId, cancellationToken);
        if (control is null || await queue.GetAsync(tenantId, jobId, cancellationToken) is not Job job)
        {
            return (null, null);
        }
        if (control.Accepted || control.State == JobState.Paused)
        {
            return (job, null);
        }
        return (job, $"the job is {job.ToApiStatus()}; only a queued or running job can be paused");
    }

    /// <summary>
    /// Resumes a paused job: queued again, continuing from its latest checkpoint. Returns the job afterwards and, when
    /// it is not paused, why (naming its state); a null job when the tenant has no such job.
    /// </summary>
    public static async Task<(Job? Job, string? Refusal)> ResumeAsync(JobQueue queue, JobDispatcher dispatcher, Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(dispatcher);
        JobControl? control = await dispatcher.ResumeAsync(queue, tenantId, jobId, cancellationToken);
        if (control is null || await queue.GetAsync(tenantId, jobId, cancellationToken) is not Job job)
        {
            return (null, null);
        }
        if (control.Accepted)
        {
            return (job, null);
        }
        string status = job.ToApiStatus();
        return (job, status == "pausing"
            ? "the job is pausing: its worker stops at its next step after a checkpoint; resume it once it is paused"
            : $"the job is {status}; only a paused job can be resumed");
    }
}
