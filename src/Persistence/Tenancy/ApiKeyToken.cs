using System.Buffers.Text;
using System.Security.Cryptography;
using System.Text;

namespace FineTune.Persistence.Tenancy;

/// <summary>
/// API key tokens: <c>ft_</c> followed by 32 random bytes in base64url. Only <see cref="Hash"/> of a token is
/// stored. A plain SHA-256 suffices (no salt, no slow KDF): those defend guessable passwords, and 256 random bits
/// cannot be guessed.
/// </summary>
public static class ApiKeyToken
{
    /// <summary>The prefix every token starts with, so leaked keys are recognisable to secret scanners.</summary>
    public const string Prefix = "ft_";

    /// <summary>How many characters of a token are kept in clear (<see cref="Entities.ApiKey.KeyPrefix"/>).</summary>
    public const int VisiblePrefixLength = 10;

    private const int RandomBytes = 32;

    /// <summary>A new token from the OS CSPRNG.</summary>
    public static string Generate()
    {
        Span<byte> secret = stackalloc byte[RandomBytes];
        RandomNumberGenerator.Fill(secret);
        return Prefix + Base64Url.EncodeToString(secret);
    }

    /// <summary>SHA-256 of the token's UTF-8 bytes: what is stored and looked up.</summary>
    public static byte[] Hash(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return SHA256.HashData(Encoding.UTF8.GetBytes(token));
    }

    /// <summary>The part of a token safe to show, e.g. <c>ft_AbC12d3</c>.</summary>
    public static string VisiblePrefix(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return token[..Math.Min(VisiblePrefixLength, token.Length)];
    }
}
