namespace FineTune.HuggingFace;

/// <summary>One file of a hub repository at a fixed commit, with what the hub tells us to check it against.</summary>
/// <param name="Path">The path inside the repository, '/'-separated (the hub's <c>rfilename</c>).</param>
/// <param name="Size">The size in bytes, or null when the hub listed only the name.</param>
/// <param name="Sha256">The lowercase hex SHA-256 of an LFS file's content, or null for a file stored in git.</param>
/// <param name="GitBlobId">
/// The git blob id of a file stored in git (SHA-1 of <c>"blob {size}\0"</c> followed by the content), or null for an
/// LFS file, whose git blob is only the pointer.
/// </param>
public sealed record HubFileInfo(string Path, long? Size, string? Sha256, string? GitBlobId);
