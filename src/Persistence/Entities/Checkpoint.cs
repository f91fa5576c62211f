namespace FineTune.Persistence.Entities;

/// <summary>A training step a job can resume from after its worker dies or is stopped.</summary>
public sealed class Checkpoint
{
    /// <summary>The checkpoint's ID.</summary>
    public Guid Id { get; set; }

    /// <summary>The job it belongs to.</summary>
    public Guid JobId { get; set; }

    /// <summary>The optimizer step the state was taken after; unique per job.</summary>
    public long Step { get; set; }

    /// <summary>The attempt that wrote it.</summary>
    public int Attempt { get; set; }

    /// <summary>The blob holding the weights and optimizer state, if any (an artifact of kind checkpoint).</summary>
    public Guid? ArtifactId { get; set; }

    /// <summary>Small resume state as JSON (sampler position, RNG seed, accountant history).</summary>
    public required string State { get; set; }

    /// <summary>When it was saved.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
