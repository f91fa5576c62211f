namespace FineTune.HuggingFace;

/// <summary>
/// Turns a <c>--model</c> argument into a local model folder: an existing directory is used as it is, anything else
/// must be a hub repository id (<c>org/name</c>) and is downloaded into the cache. A directory wins over a repository
/// with the same spelling, as in transformers' <c>from_pretrained</c>.
/// </summary>
public static class HubModelResolver
{
    // One client for the process: it pools connections, and a client per call would exhaust sockets in loops.
    private static readonly Lazy<HttpClient> s_httpClient = new(HubClient.CreateHttpClient);

    /// <summary>Returns the model folder for a directory path or a hub repository id.</summary>
    /// <param name="modelOrPath">An existing directory, or <c>org/name</c> on the hub.</param>
    /// <param name="options">Endpoint, token, revision and cache (usually <see cref="HubOptions.FromEnvironment"/>).</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The full path of the directory, or of the repository's snapshot in the cache.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="modelOrPath"/> is neither a directory nor <c>org/name</c>, or an option is out of range.
    /// </exception>
    /// <exception cref="HubException">The download cannot complete; <see cref="HubException.Kind"/> says why.</exception>
    public static Task<string> ResolveAsync(string modelOrPath, HubOptions options, CancellationToken cancellationToken) =>
        ResolveAsync(modelOrPath, options, null, cancellationToken);

    /// <summary>Returns the model folder for a directory path or a hub repository id, reporting download progress.</summary>
    /// <param name="modelOrPath">An existing directory, or <c>org/name</c> on the hub.</param>
    /// <param name="options">Endpoint, token, revision and cache (usually <see cref="HubOptions.FromEnvironment"/>).</param>
    /// <param name="progress">Receives per-file byte counts while files download; null for none.</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    /// <returns>The full path of the directory, or of the repository's snapshot in the cache.</returns>
    /// <exception cref="ArgumentException">
    /// <paramref name="modelOrPath"/> is neither a directory nor <c>org/name</c>, or an option is out of range.
    /// </exception>
    /// <exception cref="HubException">The download cannot complete; <see cref="HubException.Kind"/> says why.</exception>
    public static async Task<string> ResolveAsync(
        string modelOrPath,
        HubOptions options,
        IProgress<HubDownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(modelOrPath);
        ArgumentNullException.ThrowIfNull(options);
        if (Directory.Exists(modelOrPath))
        {
            return Path.GetFullPath(modelOrPath);
        }

        if (!HubRepoId.IsValid(modelOrPath))
        {
            throw new ArgumentException(
                $"'{modelOrPath}' is neither an existing directory nor a hub repository id of the form org/name.",
                nameof(modelOrPath));
        }

        var client = new HubClient(s_httpClient.Value, options);
        return await client.DownloadSnapshotAsync(modelOrPath, progress, cancellationToken).ConfigureAwait(false);
    }
}
