namespace FineTune.HuggingFace;

/// <summary>A repository's file listing, pinned to the commit its revision pointed at when it was listed.</summary>
/// <param name="RepoId">The repository id, <c>org/name</c>.</param>
/// <param name="Commit">The 40-character commit hash every file below belongs to.</param>
/// <param name="Files">Every file in the repository at <paramref name="Commit"/>, before any include filter.</param>
public sealed record HubRepoInfo(string RepoId, string Commit, IReadOnlyList<HubFileInfo> Files);
