using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace FineTune.HuggingFace;

/// <summary>
/// One repository's folder in the cache. The layout follows huggingface_hub's so its tools can read our snapshots:
/// <code>
/// {CacheDir}/models--{org}--{name}/
///     refs/{revision}               the commit hash the revision pointed at when last resolved online
///     listings/{commit}.json        the file listing at that commit (immutable, so it never goes stale)
///     blobs/{content id}.incomplete an unfinished download, kept so the next attempt resumes it
///     snapshots/{commit}/{path}     finished files, each verified against the listing before it was moved here
/// </code>
/// Unlike huggingface_hub, snapshot files are plain files rather than symlinks into <c>blobs/</c>: links need
/// privileges on Windows and break when a cache is copied, at the cost of one copy per commit a file appears in.
/// A file therefore exists in a snapshot only once it is complete and verified; the rename into place is atomic.
/// </summary>
internal sealed class HubCache
{
    private static readonly JsonSerializerOptions s_jsonOptions = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Creates the view of <paramref name="repoId"/>'s folder under <paramref name="cacheDir"/>.</summary>
    public HubCache(string cacheDir, string repoId)
    {
        RepoDir = Path.Combine(Path.GetFullPath(cacheDir), "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));
    }

    /// <summary>Gets the repository's folder.</summary>
    public string RepoDir { get; }

    /// <summary>Returns the folder holding the files of <paramref name="commit"/>.</summary>
    public string SnapshotDir(string commit) => Path.Combine(RepoDir, "snapshots", commit);

    /// <summary>Returns where a finished file of <paramref name="commit"/> lives.</summary>
    public string SnapshotFile(string commit, string repoPath) =>
        Path.Combine(SnapshotDir(commit), repoPath.Replace('/', Path.DirectorySeparatorChar));

    /// <summary>
    /// Returns where an unfinished download accumulates. It is keyed by content, not by commit, so a file that did
    /// not change between two commits resumes from the same partial.
    /// </summary>
    public string IncompleteFile(string commit, HubFileInfo file)
    {
        string key = file.Sha256 ?? file.GitBlobId
            ?? Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(commit + "/" + file.Path)));
        return Path.Combine(RepoDir, "blobs", key + ".incomplete");
    }

    /// <summary>Returns whether a finished file is in the snapshot with the listed size.</summary>
    public bool IsComplete(string commit, HubFileInfo file)
    {
        var info = new FileInfo(SnapshotFile(commit, file.Path));
        return info.Exists && (file.Size is null || info.Length == file.Size);
    }

    /// <summary>Returns the commit <paramref name="revision"/> last resolved to, or null if it never was.</summary>
    public string? ReadRef(string revision)
    {
        string path = RefPath(revision);
        if (!File.Exists(path))
        {
            return null;
        }

        string commit = File.ReadAllText(path).Trim();
        return HubRepoId.IsCommitHash(commit) ? commit : null;
    }

    /// <summary>Records that <paramref name="revision"/> resolved to <paramref name="commit"/>.</summary>
    public void WriteRef(string revision, string commit) => WriteAtomically(RefPath(revision), commit);

    /// <summary>Returns the cached listing of <paramref name="commit"/>, or null if none (or a damaged one) is cached.</summary>
    public HubRepoInfo? ReadListing(string commit)
    {
        string path = ListingPath(commit);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            HubRepoInfo? listing = JsonSerializer.Deserialize<HubRepoInfo>(File.ReadAllBytes(path), s_jsonOptions);
            return listing is not null && listing.Commit == commit && listing.Files is not null ? listing : null;
        }
        catch (JsonException)
        {
            // A listing can always be fetched again, so a damaged one is a cache miss rather than an error.
            return null;
        }
    }

    /// <summary>Stores the listing of its commit.</summary>
    public void WriteListing(HubRepoInfo listing) =>
        WriteAtomically(ListingPath(listing.Commit), JsonSerializer.Serialize(listing, s_jsonOptions));

    private string RefPath(string revision) =>
        Path.Combine(RepoDir, "refs", revision.Replace('/', Path.DirectorySeparatorChar));

    private string ListingPath(string commit) => Path.Combine(RepoDir, "listings", commit + ".json");

    // Write-then-rename, so a reader (or a crash) never sees half a ref or listing.
    private static void WriteAtomically(string path, string contents)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        string temporary = $"{path}.{Guid.NewGuid():N}.tmp";
        File.WriteAllText(temporary, contents);
        File.Move(temporary, path, overwrite: true);
    }
}
