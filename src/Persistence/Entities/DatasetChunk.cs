namespace FineTune.Persistence.Entities;

/// <summary>One slice of a dataset's content; chunk <c>n</c> starts at byte <c>n * ChunkSizeBytes</c>.</summary>
public sealed class DatasetChunk
{
    /// <summary>The dataset this slice belongs to.</summary>
    public Guid DatasetId { get; set; }

    /// <summary>Zero-based position of the slice.</summary>
    public int Seq { get; set; }

    /// <summary>The bytes.</summary>
    public required byte[] Data { get; set; }
}
