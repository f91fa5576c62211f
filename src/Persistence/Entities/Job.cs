using FineTune.Persistence.Queue;

namespace FineTune.Persistence.Entities;

/// <summary>
/// A fine-tuning job, which is also its own queue item: the queue is this table (see docs/queue.md). Queue columns are
/// changed only through <see cref="JobQueue"/> so the state machine and its fencing hold.
/// </summary>
public sealed class Job
{
    /// <summary>The job's ID (UUIDv7, so IDs sort by creation time).</summary>
    public Guid Id { get; set; }

    /// <summary>The owning tenant.</summary>
    public Guid TenantId { get; set; }

    /// <summary>The stable job kind, e.g. <c>train.lora</c>; never renamed.</summary>
    public required string Kind { get; set; }

    /// <summary>The job spec as JSON (the Contracts args record of <see cref="Kind"/>).</summary>
    public required string Spec { get; set; }

    /// <summary>The backend that must run it, e.g. <c>libtorch-cpu</c>; only workers offering it claim the job.</summary>
    public required string Backend { get; set; }

    /// <summary>Memory the job needs, in bytes; only workers with at least this much claim it.</summary>
    public long RequiredMemoryBytes { get; set; }

    /// <summary>The training file, if the job has one.</summary>
    public Guid? DatasetId { get; set; }

    /// <summary>Where the job is in its life cycle.</summary>
    public JobState State { get; set; }

    /// <summary>1 (runs first) to 4 (runs last), as in river.</summary>
    public short Priority { get; set; }

    /// <summary>How many times a worker has claimed it; the current attempt while running.</summary>
    public int Attempt { get; set; }

    /// <summary>The most attempts it may use before it fails for good.</summary>
    public int MaxAttempts { get; set; }

    /// <summary>The earliest time it may be claimed (later than now while backing off).</summary>
    public DateTimeOffset ScheduledAt { get; set; }

    /// <summary>When it was enqueued.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the latest attempt was claimed.</summary>
    public DateTimeOffset? AttemptedAt { get; set; }

    /// <summary>When it reached a final state; set exactly when the state is final.</summary>
    public DateTimeOffset? FinalizedAt { get; set; }

    /// <summary>The worker that holds (or last held) the lease.</summary>
    public string? LeaseOwner { get; set; }

    /// <summary>When the lease runs out unless renewed; set exactly while running or cancelling.</summary>
    public DateTimeOffset? LeaseExpiresAt { get; set; }

    /// <summary>When a cancel was requested.</summary>
    public DateTimeOffset? CancelRequestedAt { get; set; }

    /// <summary>When a pause of the running job was requested; null when none is pending (cleared as it leaves running).</summary>
    public DateTimeOffset? PauseRequestedAt { get; set; }

    /// <summary>When its fine-tuned model was deleted (the adapter's files with it); null while the model exists.</summary>
    public DateTimeOffset? ModelDeletedAt { get; set; }

    /// <summary>The latest progress the worker reported, as JSON.</summary>
    public string? Progress { get; set; }

    /// <summary>The result document of a succeeded job, as JSON.</summary>
    public string? Result { get; set; }

    /// <summary>The reason of the latest failure.</summary>
    public string? Error { get; set; }

    /// <summary>Every failed attempt as a JSON array of <c>{attempt, at, error, permanent}</c>.</summary>
    public required string Errors { get; set; }

    /// <summary>The last event sequence number handed out.</summary>
    public long EventSeq { get; set; }

    /// <summary>The Hangfire job that delivers this job to a worker; null until the dispatcher handed it over.</summary>
    public string? HangfireJobId { get; set; }
}
