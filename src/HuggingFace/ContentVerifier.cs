using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace FineTune.HuggingFace;

/// <summary>
/// Hashes a file as it streams in and compares the result with the hub's id for it: the SHA-256 of the content for
/// LFS files, the git blob id for files kept in git. Files the hub gave no id for are checked by size alone.
/// </summary>
internal sealed class ContentVerifier : IDisposable
{
    private readonly IncrementalHash? _hash;
    private readonly string? _expected;

    private ContentVerifier(IncrementalHash? hash, string? expected, string algorithm)
    {
        _hash = hash;
        _expected = expected;
        Algorithm = algorithm;
    }

    /// <summary>Gets the name of what is compared, for error messages.</summary>
    public string Algorithm { get; }

    /// <summary>Gets the id the content must hash to, or null when nothing is checked.</summary>
    public string? Expected => _expected;

    /// <summary>Chooses the check for a file: SHA-256 when known, else the git blob id when the size is known too.</summary>
    public static ContentVerifier Create(string? sha256, string? gitBlobId, long? size)
    {
        if (sha256 is not null)
        {
            return new ContentVerifier(IncrementalHash.CreateHash(HashAlgorithmName.SHA256), sha256, "sha256");
        }

        if (gitBlobId is not null && size is long length)
        {
            // SHA-1 because that is how git names blobs; it guards against corrupt transfers, not attackers.
            var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA1);
            hash.AppendData(Encoding.ASCII.GetBytes(string.Create(CultureInfo.InvariantCulture, $"blob {length}\0")));
            return new ContentVerifier(hash, gitBlobId, "git blob id");
        }

        return new ContentVerifier(null, null, "size");
    }

    /// <summary>Feeds the next bytes of the file, in order.</summary>
    public void Append(ReadOnlySpan<byte> data) => _hash?.AppendData(data);

    /// <summary>Returns whether the bytes fed so far hash to <see cref="Expected"/>, and the hash they gave.</summary>
    public bool Matches(out string actual)
    {
        if (_hash is null)
        {
            actual = string.Empty;
            return true;
        }

        actual = Convert.ToHexStringLower(_hash.GetHashAndReset());
        return string.Equals(actual, _expected, StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public void Dispose() => _hash?.Dispose();
}
