using Npgsql;

namespace FineTune.Testing;

/// <summary>
/// An empty database of one test's (or one fixture's) own on the test Postgres: created under a unique name, dropped on
/// dispose. What goes into it (migrations, rows, a server process) stays the caller's business.
/// </summary>
internal sealed class ScratchDatabase : IAsyncDisposable, IDisposable
{
    private readonly string _serverConnectionString;

    private ScratchDatabase(string serverConnectionString, string prefix)
    {
        _serverConnectionString = serverConnectionString;
        // 16 hex digits of a GUID: unique enough for parallel suites, and well within Postgres's 63-byte identifiers.
        Name = prefix + Guid.NewGuid().ToString("N")[..16];
        ConnectionString = new NpgsqlConnectionStringBuilder(serverConnectionString) { Database = Name }.ConnectionString;
    }

    /// <summary>The database name: the prefix and a random suffix.</summary>
    public string Name { get; }

    /// <summary>A connection string for this database (the server's, with its database replaced).</summary>
    public string ConnectionString { get; }

    // FORCE ends the sessions that the test's data sources, or a command it ran, may still hold.
    private string DropSql => $"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)";

    /// <summary>Creates a database on <see cref="PostgresServer"/>.</summary>
    public static async Task<ScratchDatabase> CreateAsync(string prefix)
    {
        return await CreateAsync(prefix, await PostgresServer.AdminConnectionStringAsync());
    }

    /// <summary>Creates a database on the server that <paramref name="serverConnectionString"/> names.</summary>
    public static async Task<ScratchDatabase> CreateAsync(string prefix, string serverConnectionString)
    {
        var database = new ScratchDatabase(serverConnectionString, prefix);
        await database.ExecuteOnServerAsync($"CREATE DATABASE \"{database.Name}\"");
        return database;
    }

    /// <summary>Creates a database without awaiting, for callers that cannot (a process started from a constructor).</summary>
    public static ScratchDatabase Create(string prefix, string serverConnectionString)
    {
        var database = new ScratchDatabase(serverConnectionString, prefix);
        database.ExecuteOnServer($"CREATE DATABASE \"{database.Name}\"");
        return database;
    }

    /// <summary>Drops the database.</summary>
    public async ValueTask DisposeAsync()
    {
        await ExecuteOnServerAsync(DropSql);
    }

    /// <summary>Drops the database without awaiting.</summary>
    public void Dispose()
    {
        ExecuteOnServer(DropSql);
    }

    private async Task ExecuteOnServerAsync(string sql)
    {
        await using var connection = new NpgsqlConnection(_serverConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    private void ExecuteOnServer(string sql)
    {
        using var connection = new NpgsqlConnection(_serverConnectionString);
        connection.Open();
        using var command = new NpgsqlCommand(sql, connection);
        command.ExecuteNonQuery();
    }
}
