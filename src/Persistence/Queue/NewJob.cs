namespace FineTune.Persistence.Queue;

/// <summary>What <see cref="JobQueue.EnqueueAsync(NewJob, CancellationToken)"/> inserts.</summary>
/// <param name="TenantId">The owning tenant.</param>
/// <param name="Kind">The stable job kind, e.g. <c>train.lora</c>.</param>
/// <param name="Spec">The job spec as JSON.</param>
/// <param name="Backend">The backend that must run it, e.g. <c>libtorch-cuda</c>.</param>
public sealed record NewJob(Guid TenantId, string Kind, string Spec, string Backend)
{
    /// <summary>The job ID; generated here (UUIDv7) so a retried insert can recognise its own earlier success.</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>Memory the job needs, in bytes; only workers reporting at least this much claim it.</summary>
    public long RequiredMemoryBytes { get; init; }

    /// <summary>The training file, if any; it must be the tenant's (<see cref="JobDatasetNotFoundException"/>).</summary>
    public Guid? DatasetId { get; init; }

    /// <summary>
    /// The validation file, if any: checked like <see cref="DatasetId"/> when the job is inserted, and stored only in
    /// <see cref="Spec"/>.
    /// </summary>
    public Guid? ValidationDatasetId { get; init; }

    /// <summary>1 (runs first) to 4 (runs last); default 2.</summary>
    public short Priority { get; init; } = 2;

    /// <summary>The most attempts before the job fails for good; default 5.</summary>
    public int MaxAttempts { get; init; } = 5;

    /// <summary>The earliest time a worker may claim it; default now.</summary>
    public DateTimeOffset? ScheduledAt { get; init; }

    /// <summary>
    /// Start in <see cref="JobState.ValidatingFiles"/> instead of <see cref="JobState.Queued"/>; the job becomes
    /// claimable after <see cref="JobQueue.FinishValidationAsync"/>.
    /// </summary>
    public bool AwaitValidation { get; init; }
}
