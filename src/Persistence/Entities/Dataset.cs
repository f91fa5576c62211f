namespace FineTune.Persistence.Entities;

/// <summary>An uploaded training file. Its bytes are in <see cref="DatasetChunk"/> rows.</summary>
public sealed class Dataset
{
    /// <summary>The dataset's ID.</summary>
    public Guid Id { get; set; }

    /// <summary>The owning tenant.</summary>
    public Guid TenantId { get; set; }

    /// <summary>The uploaded file's name.</summary>
    public required string FileName { get; set; }

    /// <summary>What the file is for, as in OpenAI's files API (default <c>fine-tune</c>).</summary>
    public required string Purpose { get; set; }

    /// <summary>The detected record format (e.g. <c>messages</c>, <c>alpaca</c>), if the uploader reported one.</summary>
    public string? Format { get; set; }

    /// <summary>The number of valid records, if the uploader counted them.</summary>
    public long? RecordCount { get; set; }

    /// <summary>Total content length in bytes.</summary>
    public long SizeBytes { get; set; }

    /// <summary>SHA-256 of the whole content (32 bytes), computed while it streamed in; the download ETag.</summary>
    public required byte[] Sha256 { get; set; }

    /// <summary>Bytes per chunk row (the last chunk may be shorter); range reads depend on it.</summary>
    public int ChunkSizeBytes { get; set; }

    /// <summary>When the upload committed.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
