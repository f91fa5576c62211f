using System.Security.Cryptography;
using System.Text;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class TenantStoreTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task IssueApiKeyAsync_NewKey_StoresOnlyItsSha256AndPrefix()
    {
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);
        var store = new TenantStore(context);
        Tenant tenant = await store.CreateTenantAsync("acme-" + Guid.NewGuid(), CancellationToken.None);

        IssuedApiKey issued = await store.IssueApiKeyAsync(tenant.Id, "ci", CancellationToken.None);
        byte[] storedHash = (await database.ScalarAsync<byte[]>("SELECT key_hash FROM api_key WHERE id = @id", ("id", issued.Key.Id)))!;
        string storedPrefix = (await database.ScalarAsync<string>("SELECT key_prefix FROM api_key WHERE id = @id", ("id", issued.Key.Id)))!;

        Assert.StartsWith("ft_", issued.Token, StringComparison.Ordinal);
        Assert.Equal(46, issued.Token.Length);
        Assert.Equal(SHA256.HashData(Encoding.UTF8.GetBytes(issued.Token)), storedHash);
        Assert.Equal(issued.Token[..10], storedPrefix);
    }

    [Fact]
    public async Task AuthenticateAsync_IssuedToken_ResolvesToItsTenant()
    {
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);
        var store = new TenantStore(context);
        Tenant first = await store.CreateTenantAsync("first-" + Guid.NewGuid(), CancellationToken.None);
        Tenant second = await store.CreateTenantAsync("second-" + Guid.NewGuid(), CancellationToken.None);
        IssuedApiKey firstKey = await store.IssueApiKeyAsync(first.Id, "a", CancellationToken.None);
        IssuedApiKey secondKey = await store.IssueApiKeyAsync(second.Id, "b", CancellationToken.None);

        ApiKey? one = await store.AuthenticateAsync(firstKey.Token, CancellationToken.None);
        ApiKey? two = await store.AuthenticateAsync(secondKey.Token, CancellationToken.None);

        Assert.Equal(first.Id, one?.TenantId);
        Assert.Equal(second.Id, two?.TenantId);
        Assert.NotNull(await database.ScalarAsync<DateTime?>("SELECT last_used_at FROM api_key WHERE id = @id", ("id", firstKey.Key.Id)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("not-a-key")]
    [InlineData("ft_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")]
    public async Task AuthenticateAsync_UnknownToken_ReturnsNull(string token)
    {
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);

        Assert.Null(await new TenantStore(context).AuthenticateAsync(token, CancellationToken.None));
    }

    [Fact]
    public async Task RevokeApiKeyAsync_ByOwner_StopsTheKeyButNotByAnotherTenant()
    {
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);
        var store = new TenantStore(context);
        Tenant owner = await store.CreateTenantAsync("owner-" + Guid.NewGuid(), CancellationToken.None);
        Tenant stranger = await store.CreateTenantAsync("stranger-" + Guid.NewGuid(), CancellationToken.None);
        IssuedApiKey issued = await store.IssueApiKeyAsync(owner.Id, "laptop", CancellationToken.None);

        bool byStranger = await store.RevokeApiKeyAsync(stranger.Id, issued.Key.Id, CancellationToken.None);
        ApiKey? stillValid = await store.AuthenticateAsync(issued.Token, CancellationToken.None);
        bool byOwner = await store.RevokeApiKeyAsync(owner.Id, issued.Key.Id, CancellationToken.None);
        ApiKey? afterRevoke = await store.AuthenticateAsync(issued.Token, CancellationToken.None);

        Assert.False(byStranger);
        Assert.NotNull(stillValid);
        Assert.True(byOwner);
        Assert.Null(afterRevoke);
    }

    [Fact]
    public async Task ListApiKeysAsync_TwoTenants_EachSeesOnlyItsOwn()
    {
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);
        var store = new TenantStore(context);
        Tenant first = await store.CreateTenantAsync("list-a-" + Guid.NewGuid(), CancellationToken.None);
        Tenant second = await store.CreateTenantAsync("list-b-" + Guid.NewGuid(), CancellationToken.None);
        IssuedApiKey firstKey = await store.IssueApiKeyAsync(first.Id, "a", CancellationToken.None);
        await store.IssueApiKeyAsync(second.Id, "b", CancellationToken.None);

        IReadOnlyList<ApiKey> keys = await store.ListApiKeysAsync(first.Id, CancellationToken.None);

        Assert.Equal(firstKey.Key.Id, Assert.Single(keys).Id);
    }
}
