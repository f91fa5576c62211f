namespace FineTune.Worker;

/// <summary>How one attempt ended, from the worker's side.</summary>
public enum JobOutcomeKind
{
    /// <summary>Trained to the end (or to the privacy budget); outputs stored, job succeeded.</summary>
    Succeeded,

    /// <summary>Stopped at a step boundary after a cancel request; job cancelled.</summary>
    Cancelled,

    /// <summary>Stopped at a step boundary after a pause request, its checkpoint stored; job paused until resumed.</summary>
    Paused,

    /// <summary>Failed for good: a permanent error, or a transient one on the last attempt.</summary>
    Failed,

    /// <summary>Failed transiently; the job is back in the queue after a backoff.</summary>
    Retrying,

    /// <summary>The worker was stopping: it stopped at a step boundary and released the lease uncharged.</summary>
    Released,

    /// <summary>The lease was rescued from under this worker, which stopped without writing anything more.</summary>
    LeaseLost,

    /// <summary>The final write could not reach the database; Hangfire delivers the job again and that delivery takes
    /// it over once the lease has expired.</summary>
    Abandoned,
}
