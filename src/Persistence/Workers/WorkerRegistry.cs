using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using Npgsql;
using NpgsqlTypes;

namespace FineTune.Persistence.Workers;

/// <summary>
/// The <c>worker</c> table: which workers exist, what they can run, when they were last alive. Informational (the
/// dashboard, <c>GET /v1/workers</c>); the queue's correctness rests on job leases, never on this table.
/// </summary>
public sealed class WorkerRegistry
{
    private static readonly string s_registerSql = SqlResource.Load("Workers/Sql/register.sql");
    private static readonly string s_heartbeatSql = SqlResource.Load("Workers/Sql/heartbeat.sql");
    private static readonly string s_stopSql = SqlResource.Load("Workers/Sql/stop.sql");
    private static readonly string s_listActiveSql = SqlResource.Load("Workers/Sql/list_active.sql");

    private readonly NpgsqlDataSource _dataSource;

    /// <summary>Creates the registry over a data source from <see cref="FineTuneDataSource.Create"/>.</summary>
    public WorkerRegistry(NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
    }

    /// <summary>Announces <paramref name="worker"/> (at startup).</summary>
    public async Task RegisterAsync(WorkerCapabilities worker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(worker);
        await using NpgsqlCommand command = _dataSource.CreateCommand(s_registerSql);
        command.Parameters.AddWithValue("id", worker.WorkerId);
        command.Parameters.AddWithValue("host", worker.Host);
        command.Parameters.Add(new NpgsqlParameter("backends", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = worker.Backends.ToArray() });
        command.Parameters.AddWithValue("memory_bytes", worker.MemoryBytes);
        command.Parameters.Add(new NpgsqlParameter("capabilities", NpgsqlDbType.Jsonb) { Value = worker.Details });
        await command.ExecuteNonQueryAsync(cancellationToken);
    }

    /// <summary>Marks an idle worker alive.</summary>
    public async Task HeartbeatAsync(string workerId, CancellationToken cancellationToken)
    {
        await ExecuteAsync(s_heartbeatSql, workerId, cancellationToken);
    }

    /// <summary>Records a clean shutdown.</summary>
    public async Task MarkStoppedAsync(string workerId, CancellationToken cancellationToken)
    {
        await ExecuteAsync(s_stopSql, workerId, cancellationToken);
    }

    /// <summary>Workers heard from within <paramref name="within"/> that have not stopped.</summary>
    public async Task<IReadOnlyList<WorkerRegistration>> ListActiveAsync(TimeSpan within, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _dataSource.CreateCommand(s_listActiveSql);
        command.Parameters.AddWithValue("within", within);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        var workers = new List<WorkerRegistration>();
        while (await reader.ReadAsync(cancellationToken))
        {
            workers.Add(new WorkerRegistration
            {
                Id = reader.GetString(0),
                Host = reader.GetString(1),
                Backends = reader.GetFieldValue<string[]>(2),
                MemoryBytes = reader.GetInt64(3),
                Capabilities = reader.GetString(4),
                StartedAt = reader.GetFieldValue<DateTimeOffset>(5),
                HeartbeatAt = reader.GetFieldValue<DateTimeOffset>(6),
                StoppedAt = reader.IsDBNull(7) ? null : reader.GetFieldValue<DateTimeOffset>(7),
            });
        }
        return workers;
    }

    private async Task ExecuteAsync(string sql, string workerId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(workerId);
        await using NpgsqlCommand command = _dataSource.CreateCommand(sql);
        command.Parameters.AddWithValue("id", workerId);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
