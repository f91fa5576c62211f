namespace FineTune.HuggingFace;

/// <summary>How far the download of one file has got; reported per file, possibly from several files at once.</summary>
/// <param name="Path">The file's path inside the repository.</param>
/// <param name="BytesDownloaded">Bytes of the file on disk so far, including any resumed from an earlier attempt.</param>
/// <param name="TotalBytes">The file's size in bytes, or null when neither the listing nor the response gave it.</param>
public readonly record struct HubDownloadProgress(string Path, long BytesDownloaded, long? TotalBytes);
