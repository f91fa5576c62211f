namespace FineTune.Persistence.Queue;

/// <summary>What a heartbeat learned about a lease.</summary>
public enum LeaseStatus
{
    /// <summary>Renewed; keep working.</summary>
    Active,

    /// <summary>Renewed, and a cancel was requested: stop, then call <see cref="JobQueue.MarkCancelledAsync"/>.</summary>
    CancelRequested,

    /// <summary>
    /// Renewed, and a pause was requested: stop after storing a checkpoint, then call <see cref="JobQueue.MarkPausedAsync"/>.
    /// </summary>
    PauseRequested,

    /// <summary>The lease is gone (rescued, or the job was finalized elsewhere): stop without writing anything.</summary>
    Lost,
}
