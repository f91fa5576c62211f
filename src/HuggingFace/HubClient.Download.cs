using System.Net.Http.Headers;

namespace FineTune.HuggingFace;

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

    /// <summary>
    /// One attempt at one file: keep a finished partial that verifies, else request the rest (or all) of the file,
    /// append the body to the partial while hashing, and check length and hash. A partial that proves corrupt is
    /// deleted before the error leaves, so no later attempt resumes from bad bytes.
    /// </summary>
    private async Task TransferAsync(
        Uri url,
        string repoId,
        HubFileInfo file,
        string partial,
        IProgress<HubDownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
        HubException? corrupt;
        var stream = new FileStream(
            partial, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None, BufferBytes, FileOptions.Asynchronous);
        await using (stream.ConfigureAwait(false))
        {
            byte[] buffer = new byte[BufferBytes];
            if (await IsFinishedPartialAsync(stream, file, buffer, progress, cancellationToken).ConfigureAwait(false))
            {
                return;
            }

            long existing = ResumableLength(stream, file);
            using HubResponse response = await SendAsync(url, existing > 0 ? existing : null, cancellationToken)
                .ConfigureAwait(false);
            bool resumed = AcceptResponse(response, stream, existing, repoId, file);
            if (!resumed)
            {
                // A 200 to a range request means the server ignores ranges, so its body starts at byte zero.
                stream.SetLength(0);
                existing = 0;
            }

            corrupt = await ReceiveBodyAsync(response, stream, existing, resumed, repoId, file, buffer, progress, cancellationToken)
                .ConfigureAwait(false);
        }

        if (corrupt is not null)
        {
            // Deleted rather than kept for resuming: bytes that hash wrong would poison every later attempt. A resumed
            // download may owe the damage to an old partial, so it is retried once from zero; a fresh one fails.
            File.Delete(partial);
            throw corrupt;
        }
    }

    /// <summary>A partial as long as the file is a download that finished but was never moved: check it, don't fetch.</summary>
    private static async Task<bool> IsFinishedPartialAsync(
        FileStream stream, HubFileInfo file, byte[] buffer, IProgress<HubDownloadProgress>? progress, CancellationToken cancellationToken)
    {
        long existing = stream.Length;
        if (existing == 0 || existing != file.Size)
        {
            return false;
        }

        using ContentVerifier leftover = ContentVerifier.Create(file.Sha256, file.GitBlobId, file.Size);
        await HashPrefixAsync(stream, existing, leftover, buffer, cancellationToken).ConfigureAwait(false);
        if (!leftover.Matches(out _))
        {
            return false;
        }

        progress?.Report(new HubDownloadProgress(file.Path, existing, existing));
        return true;
    }

    /// <summary>The partial's length to resume from; a partial longer than the file, or one that failed its check at full
    /// length, is emptied and the download starts over.</summary>
    private static long ResumableLength(FileStream stream, HubFileInfo file)
    {
        long existing = stream.Length;
        if (existing >= file.Size || existing == 0)
        {
            stream.SetLength(0);
            return 0;
        }

        return existing;
    }

    /// <summary>
    /// Whether the answer resumes the partial (a 206 at its end) or starts the file over (a 200); any other answer,
    /// or a resume at the wrong offset, throws (transient when starting over may help).
    /// </summary>
    private bool AcceptResponse(HubResponse response, FileStream stream, long existing, string repoId, HubFileInfo file)
    {
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

        return resumed;
    }

    /// <summary>
    /// Hashes the kept prefix, appends the body while hashing it, and checks the length and the hash against the
    /// listing (or the hub's linked ETag and size). Returns the corruption found, or null; an early end throws, transient,
    /// so the next attempt resumes from here.
    /// </summary>
    private async Task<HubException?> ReceiveBodyAsync(
        HubResponse response,
        FileStream stream,
        long existing,
        bool resumed,
        string repoId,
        HubFileInfo file,
        byte[] buffer,
        IProgress<HubDownloadProgress>? progress,
        CancellationToken cancellationToken)
    {
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
            return new HubException(
                $"'{file.Path}' from '{repoId}' is {written} bytes, but the hub listed {total}; the download was deleted.")
            {
                Kind = HubErrorKind.IntegrityMismatch,
                IsTransient = resumed,
            };
        }

        if (!verifier.Matches(out string actual))
        {
            return new HubException(
                $"'{file.Path}' from '{repoId}' failed its {verifier.Algorithm} check: expected {verifier.Expected}, "
                + $"got {actual}; the download was deleted.")
            {
                Kind = HubErrorKind.IntegrityMismatch,
                IsTransient = resumed,
            };
        }

        return null;
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
