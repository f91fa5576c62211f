namespace FineTune.Persistence.Entities;

/// <summary>One slice of an artifact's content; chunk <c>n</c> starts at byte <c>n * ChunkSizeBytes</c>.</summary>
public sealed class ArtifactChunk
{
    /// <summary>The artifact this slice belongs to.</summary>
    public Guid ArtifactId { get; set; }

    /// <summary>Zero-based position of the slice.</summary>
    public int Seq { get; set; }

    /// <summary>The bytes.</summary>
    public required byte[] Data { get; set; }
}
