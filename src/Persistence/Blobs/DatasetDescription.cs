namespace FineTune.Persistence.Blobs;

/// <summary>What validation learned while the upload streamed through it.</summary>
/// <param name="Format">The detected record format, e.g. <c>messages</c>.</param>
/// <param name="RecordCount">The number of valid records.</param>
public sealed record DatasetDescription(string? Format, long? RecordCount);
