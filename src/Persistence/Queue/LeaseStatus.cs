namespace FineTune.Persistence.Queue;

/// <summary>What a heartbeat learned about a lease.</summary>
public enum LeaseStatus
{
    /// <summary>Renewed; keep working.</summary>
    Active,

    /// <summary>Renewed, and a cancel was requested: stop, then call <see cref="JobQueue.MarkCancelledAsync(JobLease, FinalEvent?, CancellationToken)"/>.</summary>
    CancelRequested,

    /// <summary>
    /// Renewed, and a pause was requested: stop after storing a checkpoint, then call <see cref="JobQueue.MarkPausedAsync(JobLease, FinalEvent?, CancellationToken)"/>.
    /// </summary>
    PauseRequested,

    /// <summary>The lease is gone (rescued, or the job was finalized elsewhere): stop without writing anything.</summary>
    Lost,
}
