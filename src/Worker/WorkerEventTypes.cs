namespace FineTune.Worker;

/// <summary>
/// The event types a worker appends to a job's log (<c>job_event.type</c>); docs/worker.md gives each payload. Never
/// rename one: dashboards and clients match on them.
/// </summary>
public static class WorkerEventTypes
{
    /// <summary>The attempt changed state: <c>running</c>, <c>cancelling</c>, <c>cancelled</c>, <c>released</c>.</summary>
    public const string Status = "status";

    /// <summary>One optimizer step: loss, learning rate, gradient norm, ε, throughput.</summary>
    public const string Step = "step";

    /// <summary>A validation loss.</summary>
    public const string Eval = "eval";

    /// <summary>A checkpoint was stored; a later attempt can resume from it.</summary>
    public const string Checkpoint = "checkpoint";

    /// <summary>A line for humans (model resolved, resumed, a checkpoint could not be restored...).</summary>
    public const string Log = "log";

    /// <summary>The job succeeded: the result and the stored outputs.</summary>
    public const string Completed = "completed";

    /// <summary>The attempt failed: the reason, and whether the job will be retried.</summary>
    public const string Failed = "failed";
}
