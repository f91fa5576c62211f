using System.Net.Http.Headers;

namespace FineTune.Training.Hub;

/// <summary>
/// One file: <c>GET {endpoint}/{repo}/resolve/{commit}/{path}</c> into <c>blobs/{id}.incomplete</c>, resumed with
/// <c>Range: bytes=N-</c> (a 206 appends, a 200 starts over), hashed as it streams, renamed into the snapshot only
/// once its size and hash match the listing.
/// </summary>
public sealed partial class HubClient
{
    private const int BufferBytes = 1 << 20;

    // Progress is reported about once per this many bytes, and always at the start and the end of a file.
    private const long ProgressStepBytes = 4L << 20;

    private async Task DownloadFileAsync(
        HubCache cache,
        string repoId,
        string commit,
        HubFileInfo file,
        IProgress<HubDownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        string partial = cache.IncompleteFile(commit, file);
        string target = cache.SnapshotFile(commit, file.Path);
        Directory.CreateDirectory(Path.GetDirectoryName(partial)!);
        Directory.CreateDirectory(Path.GetDirectoryName(target)!);
        string escapedPath = string.Join('/', file.Path.Split('/').Select(Uri.EscapeDataString));
        var url = new Uri(_endpoint, $"{repoId}/resolve/{commit}/{escapedPath}");

        long lengthBefore = 0;
        await WithRetriesAsync(
            $"Downloading '{file.Path}' from '{repoId}'",
            async token =>
            {
                lengthBefore = PartialLength(partial);
                await TransferAsync(url, repoId, file, partial, progress, token).ConfigureAwait(false);
                return true;
            },
            () => PartialLength(partial) > lengthBefore,
            cancellationToken).ConfigureAwait(false);

        // Same volume as the partial, so the rename is atomic: readers see the whole verified file or none.
        File.Move(partial, target, overwrite: true);
    }

    private async Task TransferAsync(
        Uri url,
        string repoId,
        HubFileInfo file,
        string partial,
        IProgress<HubDownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        HubException? corrupt = null;
        var stream = new FileStream(
            partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferBytes, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            long existing = stream.Length;
            byte[] buffer = new byte[BufferBytes];

            // A partial as long as the file is a download that finished but was never moved: check it, don't fetch.
            if (existing > 0 && existing == file.Size)
            {
                using ContentVerifier leftover = ContentVerifier.Create(file.Sha256, file.GitBlobId, file.Size);
                await HashPrefixAsync(stream, existing, leftover, buffer, cancellationToken).ConfigureAwait(false);
                if (leftover.Matches(out _))
                {
                    progress?.Report(new HubDownloadProgress(file.Path, existing, existing));
                    return;
                }

                existing = 0;
            }

            if (existing > file.Size || existing == 0)
            {
                stream.SetLength(0);
                existing = 0;
            }

            using HubResponse response = await SendAsync(url, existing > 0 ? existing : null, cancellationToken)
                .ConfigureAwait(false);
            bool resumed = existing > 0 && response.StatusCode == 206;
            if (resumed && response.Message.Content.Headers.ContentRange?.From != existing)
            {
                stream.SetLength(0);
                throw new HubException($"The hub resumed '{file.Path}' at the wrong offset; starting over.")
                {
                    Kind = HubErrorKind.Transfer,
                    IsTransient = true,
                };
            }

            if (response.StatusCode == 416 && existing > 0)
            {
                // The server cannot extend this partial (the file changed or the partial is bad), so start over.
                stream.SetLength(0);
                throw new HubException($"The hub refused to resume '{file.Path}'; starting over.")
                {
                    Kind = HubErrorKind.Transfer,
                    StatusCode = 416,
                    IsTransient = true,
                };
            }

            if (!resumed && response.StatusCode != 200)
            {
                throw CreateError(response, repoId, file.Path);
            }

            // A 200 to a range request means the server ignores ranges, so its body starts at byte zero.
            if (!resumed)
            {
                stream.SetLength(0);
                existing = 0;
            }

            string? sha256 = file.Sha256 ?? (IsSha256(response.LinkedEtag) ? response.LinkedEtag!.ToLowerInvariant() : null);
            HttpContentHeaders headers = response.Message.Content.Headers;
            long? total = file.Size ?? response.LinkedSize ?? (resumed ? headers.ContentRange?.Length : headers.ContentLength);
            using ContentVerifier verifier = ContentVerifier.Create(sha256, sha256 is null ? file.GitBlobId : null, total);
            await HashPrefixAsync(stream, existing, verifier, buffer, cancellationToken).ConfigureAwait(false);

            long written = await CopyBodyAsync(
                response, stream, verifier, buffer, file.Path, existing, total, progress, cancellationToken).ConfigureAwait(false);
            if (written < total)
            {
                // The connection closed cleanly but early; the next attempt resumes from here.
                throw new HubException($"'{file.Path}' ended after {written} of {total} bytes.")
                {
                    Kind = HubErrorKind.Transfer,
                    IsTransient = true,
                };
            }

            if (written > total)
            {
                corrupt = new HubException(
                    $"'{file.Path}' from '{repoId}' is {written} bytes, but the hub listed {total}; the download was deleted.")
                {
                    Kind = HubErrorKind.IntegrityMismatch,
                    IsTransient = resumed,
                };
            }
            else if (!verifier.Matches(out string actual))
            {
                corrupt = new HubException(
                    $"'{file.Path}' from '{repoId}' failed its {verifier.Algorithm} check: expected {verifier.Expected}, "
                    + $"got {actual}; the download was deleted.")
                {
                    Kind = HubErrorKind.IntegrityMismatch,
                    IsTransient = resumed,
                };
            }
        }

        if (corrupt is not null)
        {
            // Deleted rather than kept for resuming: bytes that hash wrong would poison every later attempt. A resumed
            // download may owe the damage to an old partial, so it is retried once from zero; a fresh one fails.
            File.Delete(partial);
            throw corrupt;
        }
    }

    private async Task<long> CopyBodyAsync(
        HubResponse response,
        FileStream destination,
        ContentVerifier verifier,
        byte[] buffer,
        string repoPath,
        long written,
        long? total,
        IProgress<HubDownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        Stream body = await response.Message.Content.ReadAsStreamAsync(cancellationToken).ConfigureAwait(false);
        await using (body.ConfigureAwait(false))
        {
            progress?.Report(new HubDownloadProgress(repoPath, written, total));
            long reported = written;
            using var stall = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            while (true)
            {
                // Re-armed before every read: HttpClient.Timeout stops at the headers, so a body can hang forever.
                stall.CancelAfter(_options.ReadTimeout);
                int read;
                try
                {
                    read = await body.ReadAsync(buffer, stall.Token).ConfigureAwait(false);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    throw new TimeoutException(
                        $"'{repoPath}' sent nothing for {_options.ReadTimeout.TotalSeconds:0.#} s.");
                }

                if (read == 0)
                {
                    break;
                }

                await destination.WriteAsync(buffer.AsMemory(0, read), cancellationToken).ConfigureAwait(false);
                verifier.Append(buffer.AsSpan(0, read));
                written += read;
                if (written - reported >= ProgressStepBytes)
                {
                    progress?.Report(new HubDownloadProgress(repoPath, written, total));
                    reported = written;
                }
            }

            await destination.FlushAsync(cancellationToken).ConfigureAwait(false);
            if (reported != written)
            {
                progress?.Report(new HubDownloadProgress(repoPath, written, total));
            }

            return written;
        }
    }

    private static async Task HashPrefixAsync(
        FileStream stream, long length, ContentVerifier verifier, byte[] buffer, CancellationToken cancellationToken)
    {
        stream.Position = 0;
        long remaining = length;
        while (remaining > 0)
        {
            int read = await stream.ReadAsync(buffer.AsMemory(0, (int)Math.Min(buffer.Length, remaining)), cancellationToken)
                .ConfigureAwait(false);
            if (read == 0)
            {
                break;
            }

            verifier.Append(buffer.AsSpan(0, read));
            remaining -= read;
        }

        stream.Position = length;
    }

    private static long PartialLength(string path)
    {
        var info = new FileInfo(path);
        return info.Exists ? info.Length : 0;
    }

    private static bool IsSha256(string? value) => value is { Length: 64 } && value.All(char.IsAsciiHexDigit);
}
