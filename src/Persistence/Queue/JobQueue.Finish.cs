using Npgsql;

namespace FineTune.Persistence.Queue;

/// <summary>
/// The fenced writes that end an attempt, each able to carry the attempt's final event (completed, failed, cancelled,
/// paused, released). The event and the job's new state commit together: a client woken by the event's notification
/// reads the job row already changed, never the state before it.
/// </summary>
public sealed partial class JobQueue
{
    /// <summary>
    /// <see cref="CompleteAsync(JobLease, string?, string?, CancellationToken)"/> with <paramref name="finalEvent"/> (null:
    /// none) in the same transaction; returns the state and the event's seq (0 when none was written).
    /// </summary>
    public Task<(JobState State, long EventSeq)> CompleteAsync(JobLease lease, string? result, string? progress, FinalEvent? finalEvent, CancellationToken cancellationToken)
    {
        return FinishAsync(
            lease,
            QueueSql.Complete,
            command =>
            {
                QueueSql.AddJson(command, "result", result);
                QueueSql.AddJson(command, "progress", progress);
            },
            state => state == JobState.Succeeded,
            finalEvent,
            cancellationToken);
    }

    /// <summary>
    /// <see cref="FailAsync(JobLease, string, bool, CancellationToken)"/> with <paramref name="finalEvent"/> (null: none)
    /// in the same transaction; returns the state and the event's seq (0 when none was written).
    /// </summary>
    public Task<(JobState State, long EventSeq)> FailAsync(JobLease lease, string error, bool permanent, FinalEvent? finalEvent, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentException.ThrowIfNullOrWhiteSpace(error);
        // Drawn once, outside the database retry, so a repeated statement schedules the same time.
        TimeSpan retryDelay = _retryPolicy.NextDelay(lease.Attempt);
        return FinishAsync(
            lease,
            QueueSql.Fail,
            command =>
            {
                QueueSql.AddText(command, "error", error);
                command.Parameters.AddWithValue("permanent", permanent);
                command.Parameters.AddWithValue("retry_delay", retryDelay);
            },
            state => state is JobState.Retryable or JobState.Failed or JobState.Cancelled,
            finalEvent,
            cancellationToken);
    }

    /// <summary>
    /// <see cref="MarkCancelledAsync(JobLease, CancellationToken)"/> with <paramref name="finalEvent"/> (null: none) in
    /// the same transaction; returns the state and the event's seq (0 when none was written).
    /// </summary>
    public Task<(JobState State, long EventSeq)> MarkCancelledAsync(JobLease lease, FinalEvent? finalEvent, CancellationToken cancellationToken)
    {
        return FinishAsync(lease, QueueSql.Cancelled, _ => { }, state => state == JobState.Cancelled, finalEvent, cancellationToken);
    }

    /// <summary>
    /// <see cref="MarkPausedAsync(JobLease, CancellationToken)"/> with <paramref name="finalEvent"/> (null: none) in the
    /// same transaction; returns the state and the event's seq (0 when none was written).
    /// </summary>
    public Task<(JobState State, long EventSeq)> MarkPausedAsync(JobLease lease, FinalEvent? finalEvent, CancellationToken cancellationToken)
    {
        return FinishAsync(lease, QueueSql.Paused, _ => { }, state => state is JobState.Paused or JobState.Cancelled, finalEvent, cancellationToken);
    }

    /// <summary>
    /// <see cref="ReleaseAsync(JobLease, CancellationToken)"/> with <paramref name="finalEvent"/> (null: none) in the
    /// same transaction; returns the state and the event's seq (0 when none was written).
    /// </summary>
    public Task<(JobState State, long EventSeq)> ReleaseAsync(JobLease lease, FinalEvent? finalEvent, CancellationToken cancellationToken)
    {
        return FinishAsync(
            lease,
            QueueSql.Release,
            _ => { },
            state => state is JobState.Retryable or JobState.Cancelled or JobState.Paused,
            finalEvent,
            cancellationToken);
    }

    // The final event, when there is one, is appended first (append_event.sql needs the job still active) and in the
    // same transaction as the state change, so its NOTIFY goes out at the commit that also changes the row. A retry
    // after a lost commit acknowledgement matches neither statement and the fence check reports the earlier write.
    private async Task<(JobState State, long EventSeq)> FinishAsync(
        JobLease lease,
        string sql,
        Action<NpgsqlCommand> addParameters,
        Func<JobState, bool> isOwnEarlierWrite,
        FinalEvent? finalEvent,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(token);
                await using (NpgsqlTransaction transaction = await connection.BeginTransactionAsync(token))
                {
                    long eventSeq = finalEvent is null ? 0 : await AppendFinalEventAsync(connection, transaction, lease, finalEvent, token);
                    if (finalEvent is null || eventSeq > 0)
                    {
                        await using var command = new NpgsqlCommand(sql, connection, transaction);
                        QueueSql.AddLease(command, lease);
                        QueueSql.AddNow(command, _timeProvider);
                        addParameters(command);
                        if (await command.ExecuteScalarAsync(token) is string label)
                        {
                            await transaction.CommitAsync(token);
                            return (QueueSql.ParseState(label), eventSeq);
                        }
                    }
                    await transaction.RollbackAsync(token);
                }
                return (await CheckFenceAsync(connection, lease, isOwnEarlierWrite, token), 0L);
            },
            cancellationToken);
    }

    // The fenced append (append_event.sql) inside the caller's transaction; 0 when the fence refused it.
    private async Task<long> AppendFinalEventAsync(NpgsqlConnection connection, NpgsqlTransaction transaction, JobLease lease, FinalEvent finalEvent, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(QueueSql.AppendEvent, connection, transaction);
        QueueSql.AddLease(command, lease);
        QueueSql.AddNow(command, _timeProvider);
        command.Parameters.AddWithValue("type", finalEvent.Type);
        QueueSql.AddJson(command, "payload", finalEvent.Payload);
        return await command.ExecuteScalarAsync(cancellationToken) is long seq ? seq : 0;
    }
}
