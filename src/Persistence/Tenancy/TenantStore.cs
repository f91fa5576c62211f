using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;

namespace FineTune.Persistence.Tenancy;

/// <summary>Tenants and their API keys (EF Core). Keys are stored hashed; authentication looks a token up by hash.</summary>
/// <param name="context">The context to use (one per request or operation).</param>
/// <param name="timeProvider">The clock for <see cref="ApiKey.LastUsedAt"/> and revocation (default system).</param>
public sealed class TenantStore(FineTuneDbContext context, TimeProvider? timeProvider = null)
{
    // Recording every use would turn each authenticated read into a write; once a minute is enough to see key activity.
    private static readonly TimeSpan s_lastUsedResolution = TimeSpan.FromMinutes(1);

    private readonly TimeProvider _timeProvider = timeProvider ?? TimeProvider.System;

    /// <summary>Creates a tenant with a unique <paramref name="name"/>.</summary>
    public async Task<Tenant> CreateTenantAsync(string name, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        var tenant = new Tenant { Id = Guid.CreateVersion7(), Name = name };
        context.Tenants.Add(tenant);
        await context.SaveChangesAsync(cancellationToken);
        return tenant;
    }

    /// <summary>Issues a key for <paramref name="tenantId"/>; the returned token is not stored anywhere.</summary>
    public Task<IssuedApiKey> IssueApiKeyAsync(Guid tenantId, string name, CancellationToken cancellationToken)
    {
        return IssueApiKeyAsync(tenantId, name, admin: false, cancellationToken);
    }

    /// <summary>Issues a key for <paramref name="tenantId"/>, an operator's (<paramref name="admin"/>) or a tenant's.</summary>
    public async Task<IssuedApiKey> IssueApiKeyAsync(Guid tenantId, string name, bool admin, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        string token = ApiKeyToken.Generate();
        var key = new ApiKey
        {
            Id = Guid.CreateVersion7(),
            TenantId = tenantId,
            Name = name,
            KeyHash = ApiKeyToken.Hash(token),
            KeyPrefix = ApiKeyToken.VisiblePrefix(token),
            IsAdmin = admin,
        };
        context.ApiKeys.Add(key);
        await context.SaveChangesAsync(cancellationToken);
        return new IssuedApiKey(key, token);
    }

    /// <summary>The unrevoked key matching <paramref name="token"/>, or null. Its <c>TenantId</c> scopes the request.</summary>
    public async Task<ApiKey?> AuthenticateAsync(string token, CancellationToken cancellationToken)
    {
        if (string.IsNullOrEmpty(token) || !token.StartsWith(ApiKeyToken.Prefix, StringComparison.Ordinal))
        {
            return null;
        }
        byte[] hash = ApiKeyToken.Hash(token);
        ApiKey? key = await context.ApiKeys.AsNoTracking()
            .SingleOrDefaultAsync(candidate => candidate.KeyHash == hash && candidate.RevokedAt == null, cancellationToken);
        if (key is null)
        {
            return null;
        }
        DateTimeOffset now = _timeProvider.GetUtcNow();
        DateTimeOffset staleBefore = now - s_lastUsedResolution;
        if (key.LastUsedAt >= staleBefore)
        {
            // Recorded within the minute: skip the UPDATE's round trip too (the WHERE below would match nothing).
            return key;
        }
        await context.ApiKeys
            .Where(candidate => candidate.Id == key.Id && (candidate.LastUsedAt == null || candidate.LastUsedAt < staleBefore))
            .ExecuteUpdateAsync(update => update.SetProperty(candidate => candidate.LastUsedAt, now), cancellationToken);
        return key;
    }

    /// <summary>The keys of <paramref name="tenantId"/> (hashes and prefixes only), newest first.</summary>
    public async Task<IReadOnlyList<ApiKey>> ListApiKeysAsync(Guid tenantId, CancellationToken cancellationToken)
    {
        return await context.ApiKeys.AsNoTracking()
            .Where(key => key.TenantId == tenantId)
            .OrderByDescending(key => key.CreatedAt)
            .ToListAsync(cancellationToken);
    }

    /// <summary>Revokes a key of <paramref name="tenantId"/>; false when the tenant has no such unrevoked key.</summary>
    public async Task<bool> RevokeApiKeyAsync(Guid tenantId, Guid keyId, CancellationToken cancellationToken)
    {
        DateTimeOffset now = _timeProvider.GetUtcNow();
        int changed = await context.ApiKeys
            .Where(key => key.Id == keyId && key.TenantId == tenantId && key.RevokedAt == null)
            .ExecuteUpdateAsync(update => update.SetProperty(key => key.RevokedAt, now), cancellationToken);
        return changed > 0;
    }
}
