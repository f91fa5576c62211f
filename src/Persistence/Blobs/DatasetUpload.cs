namespace FineTune.Persistence.Blobs;

/// <summary>Who uploads a dataset and under which name.</summary>
/// <param name="TenantId">The owning tenant.</param>
/// <param name="FileName">The uploaded file's name.</param>
public sealed record DatasetUpload(Guid TenantId, string FileName)
{
    /// <summary>The dataset ID (UUIDv7 by default).</summary>
    public Guid Id { get; init; } = Guid.CreateVersion7();

    /// <summary>What the file is for, as in OpenAI's files API.</summary>
    public string Purpose { get; init; } = "fine-tune";
}
