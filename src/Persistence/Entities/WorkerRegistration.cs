namespace FineTune.Persistence.Entities;

/// <summary>A worker process that has announced itself, with what it can run and when it was last alive.</summary>
public sealed class WorkerRegistration
{
    /// <summary>The worker's ID; it is also the <see cref="Job.LeaseOwner"/> of the jobs it runs.</summary>
    public required string Id { get; set; }

    /// <summary>The machine it runs on.</summary>
    public required string Host { get; set; }

    /// <summary>The training backends it can run, e.g. <c>libtorch-cuda</c>.</summary>
    public required string[] Backends { get; set; }

    /// <summary>Memory available to one job, in bytes (GPU memory for CUDA backends).</summary>
    public long MemoryBytes { get; set; }

    /// <summary>Anything else it reports about itself (GPU name, driver, versions), as JSON.</summary>
    public required string Capabilities { get; set; }

    /// <summary>When it registered.</summary>
    public DateTimeOffset StartedAt { get; set; }

    /// <summary>When it was last heard from.</summary>
    public DateTimeOffset HeartbeatAt { get; set; }

    /// <summary>When it stopped cleanly; null while running or after a crash.</summary>
    public DateTimeOffset? StoppedAt { get; set; }
}
