using System.Data.Common;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using FineTune.Persistence.Tests.Infrastructure;
using FineTune.Testing;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace FineTune.Persistence.Tests;

/// <summary>
/// Authentication records a key's use at most once a minute, and within that minute costs one query: the key lookup
/// runs on every request, so an UPDATE round trip per request was a third of a submit's database work.
/// </summary>
public sealed class TenantStoreLastUsedTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task AuthenticateAsync_WithinAMinuteOfTheLastUse_RunsOnlyTheLookup()
    {
        var clock = new ManualTimeProvider();
        var commands = new CommandCounter();
        await using FineTuneDbContext context = Counted(commands);
        var store = new TenantStore(context, clock);
        Tenant tenant = await store.CreateTenantAsync("last-used-" + Guid.NewGuid(), CancellationToken.None);
        IssuedApiKey issued = await store.IssueApiKeyAsync(tenant.Id, "ci", CancellationToken.None);

        commands.Count = 0;
        Assert.NotNull(await store.AuthenticateAsync(issued.Token, CancellationToken.None));
        int firstUse = commands.Count;
        DateTime? recorded = await LastUsedAsync(issued.Key.Id);

        clock.Advance(TimeSpan.FromSeconds(30));
        commands.Count = 0;
        Assert.NotNull(await store.AuthenticateAsync(issued.Token, CancellationToken.None));
        int withinTheMinute = commands.Count;

        clock.Advance(TimeSpan.FromSeconds(31));
        commands.Count = 0;
        Assert.NotNull(await store.AuthenticateAsync(issued.Token, CancellationToken.None));
        int afterTheMinute = commands.Count;

        Assert.Equal(2, firstUse);
        Assert.Equal(1, withinTheMinute);
        Assert.Equal(2, afterTheMinute);
        Assert.NotNull(recorded);
        Assert.True(await LastUsedAsync(issued.Key.Id) > recorded, "the use after the minute is recorded");
    }

    private FineTuneDbContext Counted(CommandCounter commands)
    {
        var builder = new DbContextOptionsBuilder<FineTuneDbContext>();
        FineTuneDbContext.UseFineTune(builder, database.DataSource);
        builder.AddInterceptors(commands);
        return new FineTuneDbContext(builder.Options);
    }

    private Task<DateTime?> LastUsedAsync(Guid keyId) =>
        database.ScalarAsync<DateTime?>("SELECT last_used_at FROM api_key WHERE id = @id", ("id", keyId));

    private sealed class CommandCounter : DbCommandInterceptor
    {
        public int Count { get; set; }

        public override ValueTask<InterceptionResult<DbDataReader>> ReaderExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<DbDataReader> result, CancellationToken cancellationToken = default)
        {
            Count++;
            return base.ReaderExecutingAsync(command, eventData, result, cancellationToken);
        }

        public override ValueTask<InterceptionResult<int>> NonQueryExecutingAsync(
            DbCommand command, CommandEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
        {
            Count++;
            return base.NonQueryExecutingAsync(command, eventData, result, cancellationToken);
        }
    }
}
