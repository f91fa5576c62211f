using System.Text.Json;

namespace FineTune.HuggingFace;

/// <summary>
/// Listing: <c>GET /api/models/{repo}/revision/{revision}</c> pins the revision to a commit (<c>sha</c>) and names
/// its files (<c>siblings[].rfilename</c>); <c>GET /api/models/{repo}/tree/{commit}?recursive=true</c>, paged by
/// <c>Link: &lt;...&gt;; rel="next"</c>, adds each file's size, git blob id and, for LFS files, <c>lfs.oid</c> (SHA-256).
/// </summary>
public sealed partial class HubClient
{
    private async Task<(string Commit, List<string> Siblings)> FetchRevisionAsync(
        string repoId, CancellationToken cancellationToken)
    {
        // huggingface_hub escapes '/' inside a revision too, so "refs/pr/1" stays one path segment.
        var url = new Uri(_endpoint, $"api/models/{repoId}/revision/{Uri.EscapeDataString(_options.Revision)}");
        return await WithRetriesAsync(
            $"Listing '{repoId}' at revision '{_options.Revision}'",
            async token =>
            {
                using HubResponse response = await SendAsync(url, null, token).ConfigureAwait(false);
                if (response.StatusCode != 200)
                {
                    throw CreateError(response, repoId, null);
                }

                using JsonDocument document = await ReadJsonAsync(response, repoId, token).ConfigureAwait(false);
                JsonElement root = document.RootElement;
                string? commit = root.ValueKind == JsonValueKind.Object && root.TryGetProperty("sha", out JsonElement sha)
                    && sha.ValueKind == JsonValueKind.String ? sha.GetString()!.ToLowerInvariant() : null;
                if (commit is null || !HubRepoId.IsCommitHash(commit))
                {
                    throw InvalidResponse($"The revision API gave no commit hash for '{repoId}' at '{_options.Revision}'.");
                }

                var siblings = new List<string>();
                if (root.TryGetProperty("siblings", out JsonElement list) && list.ValueKind == JsonValueKind.Array)
                {
                    foreach (JsonElement sibling in list.EnumerateArray())
                    {
                        if (sibling.ValueKind == JsonValueKind.Object && GetString(sibling, "rfilename") is string name)
                        {
                            siblings.Add(name);
                        }
                    }
                }

                return (commit, siblings);
            },
            null,
            cancellationToken).ConfigureAwait(false);
    }

    private async Task<HubRepoInfo> FetchListingAsync(
        string repoId, string commit, List<string> siblings, CancellationToken cancellationToken)
    {
        var files = new List<HubFileInfo>();
        Uri? page = new Uri(_endpoint, $"api/models/{repoId}/tree/{commit}?recursive=true");
        while (page is not null)
        {
            Uri current = page;
            (List<HubFileInfo>? entries, Uri? next) = await WithRetriesAsync(
                $"Listing the files of '{repoId}' at revision '{_options.Revision}'",
                token => FetchTreePageAsync(current, repoId, token),
                null,
                cancellationToken).ConfigureAwait(false);
            if (entries is null && files.Count == 0)
            {
                // Mirrors without the tree API still list names; hashes then come from the download's headers.
                files = siblings.Select(path => new HubFileInfo(path, null, null, null)).ToList();
                break;
            }

            files.AddRange(entries ?? throw InvalidResponse($"The tree API of '{repoId}' lost a page mid-listing."));
            page = next;
        }

        foreach (HubFileInfo file in files)
        {
            if (!HubFilePatterns.IsSafeRelativePath(file.Path))
            {
                throw InvalidResponse($"The listing of '{repoId}' names an unsafe path '{file.Path}'.");
            }
        }

        return new HubRepoInfo(repoId, commit, files);
    }

    // Returns null entries when the endpoint has no tree API (404 for a commit the revision API just returned).
    private async Task<(List<HubFileInfo>? Entries, Uri? Next)> FetchTreePageAsync(
        Uri url, string repoId, CancellationToken cancellationToken)
    {
        using HubResponse response = await SendAsync(url, null, cancellationToken).ConfigureAwait(false);
        if (response.StatusCode == 404)
        {
            return (null, null);
        }

        if (response.StatusCode != 200)
        {
            throw CreateError(response, repoId, null);
        }

        using JsonDocument document = await ReadJsonAsync(response, repoId, cancellationToken).ConfigureAwait(false);
        if (document.RootElement.ValueKind != JsonValueKind.Array)
        {
            throw InvalidResponse($"The tree API answered '{repoId}' with something other than a list.");
        }

        var entries = new List<HubFileInfo>();
        foreach (JsonElement entry in document.RootElement.EnumerateArray())
        {
            if (entry.ValueKind != JsonValueKind.Object || GetString(entry, "type") != "file")
            {
                continue;
            }

            string path = GetString(entry, "path")
                ?? throw InvalidResponse($"The tree API listed a file of '{repoId}' without a path.");
            long? size = GetInt64(entry, "size");
            if (entry.TryGetProperty("lfs", out JsonElement lfs) && lfs.ValueKind == JsonValueKind.Object)
            {
                string? sha256 = GetString(lfs, "oid")?.ToLowerInvariant();
                if (sha256 is null || sha256.Length != 64 || !sha256.All(char.IsAsciiHexDigitLower))
                {
                    throw InvalidResponse($"The tree API gave '{path}' of '{repoId}' no valid LFS sha256.");
                }

                entries.Add(new HubFileInfo(path, GetInt64(lfs, "size") ?? size, sha256, null));
            }
            else
            {
                string? blobId = GetString(entry, "oid")?.ToLowerInvariant();
                bool validBlobId = blobId is { Length: 40 } && blobId.All(char.IsAsciiHexDigitLower);
                entries.Add(new HubFileInfo(path, size, null, validBlobId ? blobId : null));
            }
        }

        return (entries, NextPage(response.Message, url));
    }

    private static Uri? NextPage(HttpResponseMessage response, Uri current)
    {
        if (!response.Headers.TryGetValues("Link", out IEnumerable<string>? values))
        {
            return null;
        }

        foreach (string link in values.SelectMany(value => value.Split(',')))
        {
            int open = link.IndexOf('<', StringComparison.Ordinal);
            int close = link.IndexOf('>', StringComparison.Ordinal);
            string parameters = close < 0 ? string.Empty : link[(close + 1)..].Replace(" ", "", StringComparison.Ordinal);
            if (open >= 0 && close > open
                && (parameters.Contains("rel=\"next\"", StringComparison.Ordinal)
                    || parameters.Contains("rel=next", StringComparison.Ordinal)))
            {
                return new Uri(current, link[(open + 1)..close]);
            }
        }

        return null;
    }

    private async Task<JsonDocument> ReadJsonAsync(HubResponse response, string repoId, CancellationToken cancellationToken)
    {
        // HttpClient.Timeout stops at the headers, so the body gets the stall limit that file downloads get.
        using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        stall.CancelAfter(_options.ReadTimeout);
        try
        {
            Stream body = await response.Message.Content.ReadAsStreamAsync(stall.Token).ConfigureAwait(false);
            await using (body.ConfigureAwait(false))
            {
                return await JsonDocument.ParseAsync(body, cancellationToken: stall.Token).ConfigureAwait(false);
            }
        }
        catch (JsonException exception)
        {
            throw new HubException($"The hub's listing of '{repoId}' is not valid JSON.", exception)
            {
                Kind = HubErrorKind.InvalidResponse,
            };
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            throw new TimeoutException($"The hub's listing of '{repoId}' took over {_options.ReadTimeout.TotalSeconds:0.#} s.");
        }
    }

    private static HubException InvalidResponse(string message) => new(message) { Kind = HubErrorKind.InvalidResponse };

    private static string? GetString(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.String
            ? value.GetString()
            : null;

    private static long? GetInt64(JsonElement element, string name) =>
        element.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number
            && value.TryGetInt64(out long number)
            ? number
            : null;
}
