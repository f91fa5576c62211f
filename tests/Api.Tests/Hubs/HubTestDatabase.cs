using FineTune.Persistence;
using FineTune.Persistence.Migrations;
using FineTune.Testing;
using Npgsql;

namespace FineTune.Api.Tests.Hubs;

/// <summary>
/// A migrated database of its own for one test class (xunit class fixture), dropped at the end, on the test server
/// (<see cref="PostgresServer"/>: <c>FINETUNE_TEST_PG</c>, else the local cluster of <c>scripts/postgres.sh</c>).
/// </summary>
public sealed class HubTestDatabase : IAsyncLifetime
{
    private ScratchDatabase _database = null!;

    /// <summary>The database name.</summary>
    public string Name => _database.Name;

    /// <summary>A connection string for this database.</summary>
    public string ConnectionString => _database.ConnectionString;

    /// <summary>A FineTune data source for this database.</summary>
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _database = await ScratchDatabase.CreateAsync("ft_hubs_");
        DataSource = FineTuneDataSource.Create(ConnectionString);
        await new DatabaseMigrator(DataSource).MigrateAsync(CancellationToken.None);
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <summary>Inserts a tenant with a random name and returns its ID.</summary>
    public async Task<Guid> CreateTenantAsync()
    {
        var id = Guid.CreateVersion7();
        await using NpgsqlCommand command = DataSource.CreateCommand("INSERT INTO tenant (id, name) VALUES (@id, @name)");
        command.Parameters.AddWithValue("id", id);
        command.Parameters.AddWithValue("name", "tenant-" + id.ToString("N"));
        await command.ExecuteNonQueryAsync();
        return id;
    }
}
