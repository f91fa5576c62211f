namespace FineTune.Persistence.Entities;

/// <summary>
/// An API key of a tenant. Only the SHA-256 of the token is stored; the token itself is shown once, when issued.
/// </summary>
public sealed class ApiKey
{
    /// <summary>The key's ID (not secret).</summary>
    public Guid Id { get; set; }

    /// <summary>The tenant the key acts for.</summary>
    public Guid TenantId { get; set; }

    /// <summary>A label chosen by the tenant, e.g. "ci".</summary>
    public required string Name { get; set; }

    /// <summary>SHA-256 of the UTF-8 token (32 bytes); lookups go through this hash.</summary>
    public required byte[] KeyHash { get; set; }

    /// <summary>The first characters of the token, so a user can tell keys apart without the secret.</summary>
    public required string KeyPrefix { get; set; }

    /// <summary>When the key was issued.</summary>
    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>When the key last authenticated a request, if ever.</summary>
    public DateTimeOffset? LastUsedAt { get; set; }

    /// <summary>An operator's key: it may open the Hangfire dashboard, which shows every tenant's jobs.</summary>
    public bool IsAdmin { get; set; }

    /// <summary>When the key was revoked; a revoked key never authenticates again.</summary>
    public DateTimeOffset? RevokedAt { get; set; }
}
