namespace FineTune.Persistence.Entities;

/// <summary>A file a job produced: an output (adapter, log, result) or a checkpoint blob.</summary>
public sealed class Artifact
{
    /// <summary>The artifact's ID.</summary>
    public Guid Id { get; set; }

    /// <summary>The owning tenant (the job's).</summary>
    public Guid TenantId { get; set; }

    /// <summary>The job that wrote it.</summary>
    public Guid JobId { get; set; }

    /// <summary>The file name, unique per job, e.g. <c>adapter_model.safetensors</c>.</summary>
    public required string Name { get; set; }

    /// <summary><see cref="ArtifactKind.Output"/> or <see cref="ArtifactKind.Checkpoint"/>.</summary>
    public required string Kind { get; set; }

    /// <summary>The MIME type served on download.</summary>
    public required string ContentType { get; set; }

    /// <summary>Total content length in bytes.</summary>
    public long SizeBytes { get; set; }

    /// <summary>SHA-256 of the whole content (32 bytes); the download ETag.</summary>
    public required byte[] Sha256 { get; set; }

    /// <summary>Bytes per chunk row (the last chunk may be shorter).</summary>
    public int ChunkSizeBytes { get; set; }

    /// <summary>The job attempt that wrote it.</summary>
    public int Attempt { get; set; }

    /// <summary>When the write committed.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
