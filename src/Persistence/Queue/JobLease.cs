using FineTune.Persistence.Entities;

namespace FineTune.Persistence.Queue;

/// <summary>
/// A claimed job and the fencing token that proves the claim: (<see cref="WorkerId"/>, <see cref="Attempt"/>). Every
/// write a worker makes about the job presents the lease, and the database refuses it once the lease was rescued.
/// </summary>
/// <param name="Job">The job as claimed: state running, attempt already incremented.</param>
/// <param name="WorkerId">The worker that claimed it.</param>
/// <param name="ResumeFrom">The latest checkpoint of an earlier attempt, or null to start from scratch.</param>
public sealed record JobLease(Job Job, string WorkerId, Checkpoint? ResumeFrom)
{
    /// <summary>The job's ID.</summary>
    public Guid JobId => Job.Id;

    /// <summary>The owning tenant.</summary>
    public Guid TenantId => Job.TenantId;

    /// <summary>The attempt this lease is for (from 1); part of the fencing token.</summary>
    public int Attempt => Job.Attempt;
}
