using System.Net;
using FineTune.Api.Auth;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using FineTune.Testing;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Tests;

/// <summary>
/// Authenticated keys are trusted for <see cref="ApiOptions.ApiKeyCacheTtl"/> without a lookup; a revocation made in
/// another process takes effect once that time has passed.
/// </summary>
public sealed class ApiKeyCacheTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private static readonly TimeSpan s_ttl = TimeSpan.FromSeconds(5);

    [Fact]
    public void RememberedKey_IsFound_UntilTheTtlPasses()
    {
        var clock = new ManualTimeProvider();
        ApiKeyCache cache = NewCache(s_ttl, clock);
        string token = ApiKeyToken.Generate();
        ApiKey key = NewKey();

        cache.Remember(token, key);
        clock.Advance(s_ttl - TimeSpan.FromMilliseconds(1));
        ApiKey? beforeTtl = cache.Find(token);
        clock.Advance(TimeSpan.FromMilliseconds(1));
        ApiKey? atTtl = cache.Find(token);

        Assert.Same(key, beforeTtl);
        Assert.Null(atTtl);
        Assert.Null(cache.Find(ApiKeyToken.Generate()));
    }

    [Fact]
    public void ZeroTtl_RemembersNothing()
    {
        ApiKeyCache cache = NewCache(TimeSpan.Zero, new ManualTimeProvider());
        string token = ApiKeyToken.Generate();

        cache.Remember(token, NewKey());

        Assert.Null(cache.Find(token));
    }

    [Fact]
    public void FullCache_StartsOver()
    {
        ApiKeyCache cache = NewCache(s_ttl, new ManualTimeProvider());
        string first = ApiKeyToken.Generate();
        cache.Remember(first, NewKey());
        for (int i = 1; i < ApiKeyCache.MaxEntries; i++)
        {
            cache.Remember(ApiKeyToken.Generate(), NewKey());
        }
        Assert.NotNull(cache.Find(first));

        string last = ApiKeyToken.Generate();
        cache.Remember(last, NewKey());

        Assert.Null(cache.Find(first));
        Assert.NotNull(cache.Find(last));
    }

    [Fact]
    public async Task KeyRevokedElsewhere_Is401_OnceTheTtlHasPassed()
    {
        TimeSpan ttl = TimeSpan.FromMilliseconds(500);
        using WebApplicationFactory<Program> host = factory.WithWebHostBuilder(builder =>
            builder.UseSetting($"{nameof(ApiOptions)}:{nameof(ApiOptions.ApiKeyCacheTtl)}", ttl.ToString()));
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using HttpClient client = host.CreateClient();
        client.DefaultRequestHeaders.Authorization = tenant.Http.DefaultRequestHeaders.Authorization;
        using HttpResponseMessage before = await client.GetAsync(new Uri("/v1/models", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, before.StatusCode);

        // As another process would: through a store of its own, not the API host's.
        using (IServiceScope scope = factory.Services.CreateScope())
        {
            TenantStore store = scope.ServiceProvider.GetRequiredService<TenantStore>();
            foreach (ApiKey key in await store.ListApiKeysAsync(tenant.TenantId, CancellationToken.None))
            {
                Assert.True(await store.RevokeApiKeyAsync(tenant.TenantId, key.Id, CancellationToken.None));
            }
        }
        await Task.Delay(ttl + TimeSpan.FromMilliseconds(50));
        using HttpResponseMessage after = await client.GetAsync(new Uri("/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, after.StatusCode);
    }

    private static ApiKeyCache NewCache(TimeSpan ttl, TimeProvider clock) =>
        new(Options.Create(new ApiOptions { ApiKeyCacheTtl = ttl }), clock);

    private static ApiKey NewKey() => new()
    {
        Id = Guid.CreateVersion7(),
        TenantId = Guid.CreateVersion7(),
        Name = "tests",
        KeyHash = [],
        KeyPrefix = "ft_test",
    };
}
