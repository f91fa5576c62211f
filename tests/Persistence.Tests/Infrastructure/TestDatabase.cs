using FineTune.Persistence.Migrations;
using FineTune.Testing;
using Npgsql;

namespace FineTune.Persistence.Tests.Infrastructure;

/// <summary>
/// A database of its own for one test class (as an xunit class fixture) or one test (<see cref="CreateAsync"/>):
/// created with a random name, migrated unless asked not to, dropped at the end. Suites therefore run in parallel and
/// never see each other's rows.
/// </summary>
public sealed class TestDatabase : IAsyncLifetime, IAsyncDisposable
{
    private readonly bool _migrate;
    private ScratchDatabase _database = null!;

    /// <summary>Used by xunit as a class fixture: a migrated database.</summary>
    public TestDatabase()
        : this(migrate: true)
    {
    }

    private TestDatabase(bool migrate)
    {
        _migrate = migrate;
    }

    /// <summary>The database name.</summary>
    public string Name => _database.Name;

    /// <summary>A connection string for this database.</summary>
    public string ConnectionString => _database.ConnectionString;

    /// <summary>A FineTune data source for this database.</summary>
    public NpgsqlDataSource DataSource { get; private set; } = null!;

    /// <summary>Creates a database for a single test; dispose it at the end.</summary>
    public static async Task<TestDatabase> CreateAsync(bool migrate)
    {
        var database = new TestDatabase(migrate);
        await database.InitializeAsync();
        return database;
    }

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _database = await ScratchDatabase.CreateAsync("ft_test_");
        DataSource = FineTuneDataSource.Create(ConnectionString);
        if (_migrate)
        {
            await new DatabaseMigrator(DataSource).MigrateAsync(CancellationToken.None);
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _database.DisposeAsync();
    }

    /// <inheritdoc />
    ValueTask IAsyncDisposable.DisposeAsync()
    {
        return new ValueTask(DisposeAsync());
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

    /// <summary>Runs one scalar query on this database.</summary>
    public async Task<T?> ScalarAsync<T>(string sql, params (string Name, object Value)[] parameters)
    {
        await using NpgsqlCommand command = DataSource.CreateCommand(sql);
        foreach ((string name, object value) in parameters)
        {
            command.Parameters.AddWithValue(name, value);
        }
        object? result = await command.ExecuteScalarAsync();
        return result is null or DBNull ? default : (T)result;
    }
}
