using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Resilience;
using Npgsql;
using NpgsqlTypes;

namespace FineTune.Persistence.Events;

/// <summary>
/// Reads a job's event log, and appends to it on behalf of the service. Workers append through
/// <see cref="JobQueue.AppendEventAsync"/>, which is fenced by their lease. Every append sends <c>job_id:seq</c> on
/// channel <see cref="Notifications.NotificationChannels.JobEvents"/> at commit; a reader that was told about seq
/// <c>n</c>, or reconnects after it, calls <see cref="ReadEventsAsync"/> with <c>afterSeq</c> and misses nothing.
/// </summary>
public sealed class JobEventLog
{
    private static readonly string s_appendSql = SqlResource.Load("Events/Sql/append_system_event.sql");
    private static readonly string s_readSql = SqlResource.Load("Events/Sql/read_events.sql");

    private readonly NpgsqlDataSource _dataSource;
    private readonly DatabaseRetry _databaseRetry;

    /// <summary>Creates the log over a data source from <see cref="FineTuneDataSource.Create"/>.</summary>
    /// <param name="dataSource">The database.</param>
    /// <param name="databaseRetry">Retries transient errors of reads (default: 4 retries).</param>
    public JobEventLog(NpgsqlDataSource dataSource, DatabaseRetry? databaseRetry = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _databaseRetry = databaseRetry ?? new DatabaseRetry();
    }

    /// <summary>
    /// Up to <paramref name="limit"/> events of a job of <paramref name="tenantId"/> with seq greater than
    /// <paramref name="afterSeq"/>, oldest first. Empty when there are none, or the tenant has no such job.
    /// </summary>
    public async Task<IReadOnlyList<JobEvent>> ReadEventsAsync(Guid tenantId, Guid jobId, long afterSeq, int limit, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        ArgumentOutOfRangeException.ThrowIfLessThan(limit, 1);
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlCommand command = _dataSource.CreateCommand(s_readSql);
                command.Parameters.AddWithValue("tenant_id", tenantId);
                command.Parameters.AddWithValue("job_id", jobId);
                command.Parameters.AddWithValue("after_seq", afterSeq);
                command.Parameters.AddWithValue("limit", limit);
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token);
                var events = new List<JobEvent>();
                while (await reader.ReadAsync(token))
                {
                    events.Add(new JobEvent
                    {
                        JobId = reader.GetGuid(0),
                        Seq = reader.GetInt64(1),
                        Type = reader.GetString(2),
                        Payload = reader.GetString(3),
                        Attempt = reader.GetInt32(4),
                        CreatedAt = reader.GetFieldValue<DateTimeOffset>(5),
                    });
                }
                return (IReadOnlyList<JobEvent>)events;
            },
            cancellationToken);
    }

    /// <summary>
    /// Appends an event written by the service rather than a worker (e.g. "validated", "cancel requested") to a job
    /// of <paramref name="tenantId"/>; returns its seq, or null when the tenant has no such job. Not retried: a lost
    /// acknowledgement would otherwise append the event twice.
    /// </summary>
    public async Task<long?> AppendAsync(Guid tenantId, Guid jobId, string type, string payload, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(payload);
        await using NpgsqlCommand command = _dataSource.CreateCommand(s_appendSql);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        command.Parameters.AddWithValue("job_id", jobId);
        command.Parameters.AddWithValue("type", type);
        command.Parameters.Add(new NpgsqlParameter("payload", NpgsqlDbType.Jsonb) { Value = payload });
        return await command.ExecuteScalarAsync(cancellationToken) as long?;
    }
}
