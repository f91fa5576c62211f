using System.Net;

namespace FineTune.HuggingFace;

/// <summary>
/// Downloads Hugging Face model repositories into a local cache over the hub's public HTTP protocol: the revision
/// API pins a branch to a commit, the tree API lists files with sizes and hashes, and <c>resolve</c> URLs serve the
/// bytes, resumed with <c>Range</c> after a failure and verified before they enter the snapshot. The cache layout is
/// described on <c>HubCache</c>; a snapshot that is already complete costs one request, or none when offline.
/// </summary>
/// <remarks>
/// The <see cref="HttpClient"/> should not follow redirects itself (<see cref="CreateHttpClient"/> makes one that
/// does not): the hub puts a file's hash and size on the redirect to its storage host, and this class sends the
/// token to the endpoint's host only. A client that does follow redirects still works, with those headers lost.
/// </remarks>
public sealed partial class HubClient
{
    private readonly HttpClient _http;
    private readonly HubOptions _options;
    private readonly Uri _endpoint;

    /// <summary>Creates a client that talks to <see cref="HubOptions.Endpoint"/> through <paramref name="httpClient"/>.</summary>
    /// <param name="httpClient">The client to send through; it is borrowed, not disposed.</param>
    /// <param name="options">
    /// Endpoint, token, cache and retry settings, used as given (see <see cref="HubOptions.FromEnvironment"/>).
    /// </param>
    /// <exception cref="ArgumentException">An option is out of range, or the endpoint is not an http(s) URL.</exception>
    public HubClient(HttpClient httpClient, HubOptions options)
    {
        ArgumentNullException.ThrowIfNull(httpClient);
        ArgumentNullException.ThrowIfNull(options);
        if (!Uri.TryCreate(options.Endpoint?.TrimEnd('/') + "/", UriKind.Absolute, out Uri? endpoint)
            || (endpoint.Scheme != Uri.UriSchemeHttps && endpoint.Scheme != Uri.UriSchemeHttp))
        {
            throw new ArgumentException($"Hub endpoint '{options.Endpoint}' is not an http(s) URL.", nameof(options));
        }

        ArgumentException.ThrowIfNullOrWhiteSpace(options.CacheDir, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(options.MaxRetries, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxParallelDownloads, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(options.ReadTimeout, TimeSpan.Zero, nameof(options));
        HubRepoId.ValidateRevision(options.Revision, nameof(options));
        _http = httpClient;
        _options = options;
        _endpoint = endpoint;
    }

    /// <summary>Creates an <see cref="HttpClient"/> suited to the hub: no automatic redirects or decompression.</summary>
    /// <returns>A client meant to live as long as the process; its timeout covers each request up to its headers.</returns>
    public static HttpClient CreateHttpClient()
    {
        var handler = new SocketsHttpHandler
        {
            // Redirects are followed by hand so the hub's X-Linked-* headers are seen and the token stays home.
            AllowAutoRedirect = false,
            // Byte ranges count bytes of the file itself, so nothing may re-encode it in transit.
            AutomaticDecompression = DecompressionMethods.None,
            ConnectTimeout = TimeSpan.FromSeconds(30),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        };
        return new HttpClient(handler) { Timeout = TimeSpan.FromMinutes(2) };
    }

    /// <summary>
    /// Lists every file of a repository at the commit <see cref="HubOptions.Revision"/> points at now, or, offline, at
    /// the commit it pointed at when last resolved.
    /// </summary>
    /// <param name="repoId">The repository, <c>org/name</c>.</param>
    /// <param name="cancellationToken">Cancels the requests.</param>
    /// <returns>The commit and its files, with sizes and hashes where the hub's tree API gives them.</returns>
    /// <exception cref="ArgumentException"><paramref name="repoId"/> is not <c>org/name</c>.</exception>
    /// <exception cref="HubException">
    /// The hub refused, lacks the repository or revision, or kept failing; offline, the cache lacks the listing.
    /// </exception>
    public async Task<HubRepoInfo> ListFilesAsync(string repoId, CancellationToken cancellationToken)
    {
        HubRepoId.Validate(repoId, nameof(repoId));
        if (_options.Offline)
        {
            return ReadCachedListing(new HubCache(_options.CacheDir, repoId), repoId);
        }

        (string commit, List<string> siblings) = await FetchRevisionAsync(repoId, cancellationToken).ConfigureAwait(false);
        return await FetchListingAsync(repoId, commit, siblings, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>
    /// Makes sure the cache holds every selected file of the repository at <see cref="HubOptions.Revision"/>,
    /// downloading what is missing, and returns the snapshot folder, which a model loader can open like any other.
    /// </summary>
    /// <param name="repoId">The repository, <c>org/name</c>.</param>
    /// <param name="progress">Receives per-file byte counts while files download; null for none.</param>
    /// <param name="cancellationToken">Cancels the download; finished files and resumable partials stay in the cache.</param>
    /// <returns>The full path of <c>snapshots/{commit}</c>.</returns>
    /// <exception cref="ArgumentException"><paramref name="repoId"/> is not <c>org/name</c>.</exception>
    /// <exception cref="HubException">The download cannot complete; <see cref="HubException.Kind"/> says why.</exception>
    public async Task<string> DownloadSnapshotAsync(
        string repoId, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        HubRepoId.Validate(repoId, nameof(repoId));
        var cache = new HubCache(_options.CacheDir, repoId);
        HubRepoInfo listing = _options.Offline
            ? ReadCachedListing(cache, repoId)
            : await ResolveListingAsync(cache, repoId, cancellationToken).ConfigureAwait(false);

        IReadOnlyList<string> patterns = _options.IncludePatterns ?? HubOptions.DefaultIncludePatterns;
        List<HubFileInfo> selected = HubFilePatterns.Select(listing.Files, patterns);
        if (selected.Count == 0)
        {
            throw new HubException(
                $"No file of '{repoId}' at revision '{_options.Revision}' matches {string.Join(", ", patterns)}.")
            {
                Kind = HubErrorKind.NotFound,
            };
        }

        HubFileInfo? index = selected.Find(file => file.Path == HubFilePatterns.WeightIndexFile);
        if (_options.IncludePatterns is null && index is not null)
        {
            // The index decides which shards the default selection really needs, so it must be on disk first.
            await EnsureFilesAsync(cache, repoId, listing.Commit, [index], progress, cancellationToken).ConfigureAwait(false);
            selected = HubFilePatterns.DropUnindexedShards(selected, cache.SnapshotFile(listing.Commit, index.Path));
        }

        await EnsureFilesAsync(cache, repoId, listing.Commit, selected, progress, cancellationToken).ConfigureAwait(false);
        return cache.SnapshotDir(listing.Commit);
    }

    private async Task<HubRepoInfo> ResolveListingAsync(HubCache cache, string repoId, CancellationToken cancellationToken)
    {
        // A commit hash never moves, so a listing cached for one needs no request at all.
        if (HubRepoId.IsCommitHash(_options.Revision) && cache.ReadListing(_options.Revision) is HubRepoInfo pinned)
        {
            return pinned;
        }

        (string commit, List<string> siblings) = await FetchRevisionAsync(repoId, cancellationToken).ConfigureAwait(false);
        HubRepoInfo? listing = cache.ReadListing(commit);
        if (listing is null)
        {
            listing = await FetchListingAsync(repoId, commit, siblings, cancellationToken).ConfigureAwait(false);
            cache.WriteListing(listing);
        }

        if (_options.Revision != commit)
        {
            cache.WriteRef(_options.Revision, commit);
        }

        return listing;
    }

    private HubRepoInfo ReadCachedListing(HubCache cache, string repoId)
    {
        string? commit = HubRepoId.IsCommitHash(_options.Revision) ? _options.Revision : cache.ReadRef(_options.Revision);
        return (commit is null ? null : cache.ReadListing(commit))
            ?? throw new HubException(
                $"'{repoId}' at revision '{_options.Revision}' is not in the cache at '{cache.RepoDir}'; download it "
                + "once with offline mode off (unset HF_HUB_OFFLINE).")
            {
                Kind = HubErrorKind.NotCached,
            };
    }

    private async Task EnsureFilesAsync(
        HubCache cache,
        string repoId,
        string commit,
        List<HubFileInfo> files,
        IProgress<HubDownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        List<HubFileInfo> missing = files.Where(file => !cache.IsComplete(commit, file)).ToList();
        if (missing.Count > 0 && _options.Offline)
        {
            throw new HubException(
                $"'{missing[0].Path}' of '{repoId}' at revision '{_options.Revision}' is not in the cache at "
                + $"'{cache.RepoDir}'; download it once with offline mode off (unset HF_HUB_OFFLINE).")
            {
                Kind = HubErrorKind.NotCached,
            };
        }

        // Files with identical content share one partial, so they download one after another, never at once.
        var options = new ParallelOptions
        {
            MaxDegreeOfParallelism = _options.MaxParallelDownloads,
            CancellationToken = cancellationToken,
        };
        await Parallel.ForEachAsync(
            missing.GroupBy(file => cache.IncompleteFile(commit, file), StringComparer.Ordinal),
            options,
            async (group, token) =>
            {
                foreach (HubFileInfo file in group)
                {
                    await DownloadFileAsync(cache, repoId, commit, file, progress, token).ConfigureAwait(false);
                }
            }).ConfigureAwait(false);
    }
}
