using System.Collections.Concurrent;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Auth;

/// <summary>
/// Keys that authenticated within <see cref="ApiOptions.ApiKeyCacheTtl"/>, by token hash, so that a client's requests
/// do not each look their key up in Postgres. A key may be revoked by another process
/// (<see cref="TenantStore.RevokeApiKeyAsync"/>), which this cache cannot hear: a revoked key keeps working for at most
/// the TTL after its last lookup (5 s by default; 0 turns the cache off). Only keys that authenticated are kept; an
/// unknown or revoked token is looked up every time.
/// </summary>
public sealed class ApiKeyCache
{
    /// <summary>A bound on memory: this many distinct keys within one TTL empty the cache instead of growing it.</summary>
    public const int MaxEntries = 10_000;

    private readonly ConcurrentDictionary<string, Entry> _entries = new(StringComparer.Ordinal);
    private readonly TimeSpan _ttl;
    private readonly TimeProvider _timeProvider;

    /// <summary>Creates the cache with the TTL of <paramref name="options"/>.</summary>
    public ApiKeyCache(IOptions<ApiOptions> options, TimeProvider timeProvider)
    {
        ArgumentNullException.ThrowIfNull(options);
        _ttl = options.Value.ApiKeyCacheTtl;
        _timeProvider = timeProvider;
    }

    /// <summary>The key remembered for <paramref name="token"/> and not yet expired, or null.</summary>
    public ApiKey? Find(string token)
    {
        if (_ttl <= TimeSpan.Zero || !_entries.TryGetValue(CacheKey(token), out Entry? entry))
        {
            return null;
        }
        if (entry.ExpiresAt > _timeProvider.GetUtcNow())
        {
            return entry.Key;
        }
        _entries.TryRemove(new KeyValuePair<string, Entry>(CacheKey(token), entry));
        return null;
    }

    /// <summary>Remembers that <paramref name="token"/> authenticated as <paramref name="key"/>, for the TTL.</summary>
    public void Remember(string token, ApiKey key)
    {
        if (_ttl <= TimeSpan.Zero)
        {
            return;
        }
        if (_entries.Count >= MaxEntries)
        {
            _entries.Clear();
        }
        _entries[CacheKey(token)] = new Entry(key, _timeProvider.GetUtcNow() + _ttl);
    }

    // The hash, not the token, so the cache holds nothing that authenticates by itself.
    private static string CacheKey(string token) => Convert.ToBase64String(ApiKeyToken.Hash(token));

    private sealed record Entry(ApiKey Key, DateTimeOffset ExpiresAt);
}
