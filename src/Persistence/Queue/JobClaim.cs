using FineTune.Persistence.Entities;

namespace FineTune.Persistence.Queue;

/// <summary>What a delivery of a job found when it tried to start an attempt (<see cref="JobQueue.ClaimAsync(Guid, WorkerCapabilities, CancellationToken)"/>).</summary>
public enum JobClaimOutcome
{
    /// <summary>An attempt started; <see cref="JobClaim.Lease"/> holds it.</summary>
    Claimed,

    /// <summary>The job is final (succeeded, failed, cancelled): this delivery is a late duplicate and does nothing.</summary>
    Finished,

    /// <summary>Another attempt holds a live lease: this delivery is a duplicate; look again once that lease expires.</summary>
    HeldElsewhere,

    /// <summary>The job is still validating its files; the dispatcher hands it over again once it is queued.</summary>
    NotReady,

    /// <summary>The job is paused: this delivery escaped the delete and does nothing; a resume hands the job over anew.</summary>
    Paused,

    /// <summary>No such job (deleted): nothing to run.</summary>
    Missing,
}

/// <summary>The result of trying to start an attempt on a delivered job.</summary>
/// <param name="Outcome">What happened.</param>
/// <param name="Lease">The new attempt's lease, when <see cref="JobClaimOutcome.Claimed"/>.</param>
/// <param name="Job">The job as read (null when missing).</param>
public sealed record JobClaim(JobClaimOutcome Outcome, JobLease? Lease, Job? Job);
