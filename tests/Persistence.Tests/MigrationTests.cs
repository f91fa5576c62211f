using FineTune.Persistence.Migrations;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;
using Npgsql;

namespace FineTune.Persistence.Tests;

public sealed class MigrationTests
{
    [Fact]
    public async Task MigrateAsync_EmptyDatabase_AppliesEveryMigrationInOrder()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: false);
        var migrator = new DatabaseMigrator(database.DataSource);

        IReadOnlyList<MigrationScript> applied = await migrator.MigrateAsync(CancellationToken.None);

        Assert.Equal(MigrationScript.All.Select(script => script.Version), applied.Select(script => script.Version));
        Assert.Equal(MigrationScript.All.Select(script => script.Version), await migrator.GetAppliedVersionsAsync(CancellationToken.None));
        Assert.True(await database.ScalarAsync<bool>("SELECT to_regclass('job') IS NOT NULL"));
    }

    [Fact]
    public async Task MigrateAsync_RunTwice_SecondRunAppliesNothing()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: false);
        var migrator = new DatabaseMigrator(database.DataSource);
        await migrator.MigrateAsync(CancellationToken.None);

        IReadOnlyList<MigrationScript> second = await migrator.MigrateAsync(CancellationToken.None);

        Assert.Empty(second);
        Assert.Equal(MigrationScript.All.Count, await database.ScalarAsync<long>("SELECT count(*) FROM schema_migration"));
    }

    [Fact]
    public async Task MigrateAsync_ConcurrentMigrators_ApplyEachMigrationExactlyOnce()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: false);
        // Separate data sources, as separate processes would have: the advisory lock must serialize them.
        NpgsqlDataSource[] sources = Enumerable.Range(0, 6).Select(_ => FineTuneDataSource.Create(database.ConnectionString)).ToArray();
        try
        {
            IReadOnlyList<MigrationScript>[] results = await Task.WhenAll(
                sources.Select(source => Task.Run(() => new DatabaseMigrator(source).MigrateAsync(CancellationToken.None))));

            Assert.Equal(MigrationScript.All.Count, results.Sum(result => result.Count));
            Assert.Single(results, result => result.Count > 0);
            Assert.Equal(MigrationScript.All.Count, await database.ScalarAsync<long>("SELECT count(*) FROM schema_migration"));
            foreach (NpgsqlDataSource source in sources)
            {
                // Every process must see the enum afterwards, also those that only waited for the lock.
                await using NpgsqlCommand command = source.CreateCommand("SELECT 'cancelling'::job_state");
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
                await reader.ReadAsync();
                Assert.Equal(JobState.Cancelling, reader.GetFieldValue<JobState>(0));
            }
        }
        finally
        {
            foreach (NpgsqlDataSource source in sources)
            {
                await source.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task MigrateAsync_FailingMigration_RollsBackEveryPendingMigration()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: false);
        var broken = new MigrationScript(9999, "broken", "CREATE TABLE broken_marker (id integer); SELECT 1 / 0;");
        var migrator = new DatabaseMigrator(database.DataSource, [.. MigrationScript.All, broken]);

        await Assert.ThrowsAsync<PostgresException>(() => migrator.MigrateAsync(CancellationToken.None));

        Assert.False(await database.ScalarAsync<bool>("SELECT to_regclass('job') IS NOT NULL"));
        Assert.False(await database.ScalarAsync<bool>("SELECT to_regclass('broken_marker') IS NOT NULL"));
        Assert.Empty(await new DatabaseMigrator(database.DataSource).GetAppliedVersionsAsync(CancellationToken.None));
    }

    [Fact]
    public void All_EmbeddedScripts_AreNumberedFromOneWithoutGaps()
    {
        IReadOnlyList<MigrationScript> scripts = MigrationScript.All;

        Assert.Equal(Enumerable.Range(1, scripts.Count), scripts.Select(script => script.Version));
        Assert.Equal("initial", scripts[0].Name);
    }
}
