namespace FineTune.Persistence.Queue;

/// <summary>
/// The life cycle of a job, mapped to the Postgres enum <c>job_state</c>. docs/queue.md draws the transitions; the
/// table's CHECK constraints rule out rows that contradict them (a final state without finalized_at, a running job
/// without a lease).
/// </summary>
public enum JobState
{
    /// <summary>Enqueued, but its dataset is still being validated; not claimable.</summary>
    ValidatingFiles,

    /// <summary>Waiting for a worker; claimable once <c>scheduled_at</c> has passed.</summary>
    Queued,

    /// <summary>Leased to one worker, which renews the lease by heartbeat.</summary>
    Running,

    /// <summary>Failed transiently or rescued from a dead worker; claimable again after its backoff.</summary>
    Retryable,

    /// <summary>Running, and a cancel was requested; the worker sees it on its next heartbeat.</summary>
    Cancelling,

    /// <summary>
    /// Stopped at a user's request, neither final nor claimable: a resume makes it <see cref="Queued"/> again, and its
    /// next attempt continues from its latest checkpoint. A running job whose pause is requested stays
    /// <see cref="Running"/> (with <c>pause_requested_at</c>) until its worker has stored a checkpoint and stopped.
    /// </summary>
    Paused,

    /// <summary>Final: finished and stored its result.</summary>
    Succeeded,

    /// <summary>Final: failed permanently or used up its attempts; <c>error</c> says why.</summary>
    Failed,

    /// <summary>Final: cancelled before or while running.</summary>
    Cancelled,
}
