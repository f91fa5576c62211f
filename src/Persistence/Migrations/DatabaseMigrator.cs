using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FineTune.Persistence.Migrations;

/// <summary>
/// Applies the numbered SQL migrations that are not yet recorded in <c>schema_migration</c>. Runs at service start and
/// from <c>finetune migrate</c>. Every pending migration runs in one transaction, so a failure leaves the schema as it
/// was; a transaction-scoped advisory lock makes concurrent starters wait for each other instead of racing.
/// </summary>
public sealed class DatabaseMigrator
{
    // Any constant unique to this purpose works: advisory locks are per database. The bytes spell "FTMIGRAT".
    private const long AdvisoryLockKey = 0x46544D4947524154;

    private const string CreateLedgerSql = """
        CREATE TABLE IF NOT EXISTS schema_migration (
            version integer NOT NULL,
            name text NOT NULL,
            applied_at timestamptz NOT NULL DEFAULT now(),
            CONSTRAINT schema_migration_pkey PRIMARY KEY (version)
        )
        """;

    private readonly NpgsqlDataSource _dataSource;
    private readonly IReadOnlyList<MigrationScript> _scripts;
    private readonly ILogger _logger;

    /// <summary>Creates a migrator for the embedded migrations (<see cref="MigrationScript.All"/>).</summary>
    /// <param name="dataSource">Where to migrate; its type cache is reloaded after a migration.</param>
    /// <param name="logger">Receives one line per applied migration.</param>
    public DatabaseMigrator(NpgsqlDataSource dataSource, ILogger<DatabaseMigrator>? logger = null)
        : this(dataSource, MigrationScript.All, logger)
    {
    }

    /// <summary>Creates a migrator for the given scripts (tests use it to add a failing one).</summary>
    /// <param name="dataSource">Where to migrate.</param>
    /// <param name="scripts">The migrations, in version order.</param>
    /// <param name="logger">Receives one line per applied migration.</param>
    public DatabaseMigrator(NpgsqlDataSource dataSource, IReadOnlyList<MigrationScript> scripts, ILogger<DatabaseMigrator>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(scripts);
        _dataSource = dataSource;
        _scripts = scripts;
        _logger = logger ?? NullLogger<DatabaseMigrator>.Instance;
    }

    /// <summary>Applies every pending migration and returns the ones this call applied (empty when up to date).</summary>
    public async Task<IReadOnlyList<MigrationScript>> MigrateAsync(CancellationToken cancellationToken)
    {
        var applied = new List<MigrationScript>();
        await using (NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken))
        await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken))
        {
            // Taken before reading the ledger: a second starter blocks here until the first commits, then finds
            // nothing left to do. The lock is released with the transaction, also when it fails.
            await using (var lockCommand = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@key)", connection, transaction))
            {
                lockCommand.Parameters.AddWithValue("key", AdvisoryLockKey);
                await lockCommand.ExecuteNonQueryAsync(cancellationToken);
            }
            await ExecuteAsync(connection, transaction, CreateLedgerSql, cancellationToken);
            HashSet<int> done = await ReadAppliedVersionsAsync(connection, transaction, cancellationToken);
            foreach (MigrationScript script in _scripts.Where(script => !done.Contains(script.Version)))
            {
                await ExecuteAsync(connection, transaction, script.Sql, cancellationToken);
                await using var record = new NpgsqlCommand("INSERT INTO schema_migration (version, name) VALUES (@version, @name)", connection, transaction);
                record.Parameters.AddWithValue("version", script.Version);
                record.Parameters.AddWithValue("name", script.Name);
                await record.ExecuteNonQueryAsync(cancellationToken);
                applied.Add(script);
            }
            await transaction.CommitAsync(cancellationToken);
        }
        // Connections opened before the schema existed cached a type catalog without job_state. That includes this
        // process's connections when another process applied the migrations while this one waited for the lock, so
        // reload even when this call applied nothing.
        await _dataSource.ReloadTypesAsync(cancellationToken);
        _dataSource.Clear();
        foreach (MigrationScript script in applied)
        {
            _logger.LogInformation("Applied migration {Version:D4}_{Name}", script.Version, script.Name);
        }
        return applied;
    }

    /// <summary>The versions recorded in <c>schema_migration</c>, or none when the ledger does not exist yet.</summary>
    public async Task<IReadOnlyList<int>> GetAppliedVersionsAsync(CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using var exists = new NpgsqlCommand("SELECT to_regclass('schema_migration') IS NOT NULL", connection);
        if (!(bool)(await exists.ExecuteScalarAsync(cancellationToken))!)
        {
            return [];
        }
        HashSet<int> versions = await ReadAppliedVersionsAsync(connection, null, cancellationToken);
        return versions.Order().ToArray();
    }

    private static async Task<HashSet<int>> ReadAppliedVersionsAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand("SELECT version FROM schema_migration", connection, transaction);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        var versions = new HashSet<int>();
        while (await reader.ReadAsync(cancellationToken))
        {
            versions.Add(reader.GetInt32(0));
        }
        return versions;
    }

    private static async Task ExecuteAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, string sql, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(sql, connection, transaction);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
