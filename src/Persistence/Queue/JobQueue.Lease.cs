using FineTune.Persistence.Entities;
using Npgsql;
using NpgsqlTypes;

namespace FineTune.Persistence.Queue;

/// <summary>
/// The writes of a worker that holds a lease. Each one is fenced: its UPDATE matches only while
/// <c>lease_owner = @worker_id AND attempt = @attempt</c> and the job is active, so after a rescue the old worker
/// cannot heartbeat, finish, append events or save checkpoints. A refused write raises
/// <see cref="LeaseLostException"/> (a heartbeat reports <see cref="LeaseStatus.Lost"/> instead).
/// </summary>
public sealed partial class JobQueue
{
    /// <summary>
    /// Renews the lease for another <see cref="JobQueueOptions.LeaseDuration"/> and stores
    /// <paramref name="progress"/> (JSON; null keeps the last). Call at about a third of the lease duration.
    /// </summary>
    public async Task<LeaseStatus> HeartbeatAsync(JobLease lease, string? progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlCommand command = _dataSource.CreateCommand(QueueSql.Heartbeat);
                QueueSql.AddLease(command, lease);
                QueueSql.AddNow(command, _timeProvider);
                command.Parameters.AddWithValue("lease_duration", _options.LeaseDuration);
                QueueSql.AddJson(command, "progress", progress);
                return await command.ExecuteScalarAsync(token) switch
                {
                    null => LeaseStatus.Lost,
                    "cancelling" => LeaseStatus.CancelRequested,
                    "pausing" => LeaseStatus.PauseRequested,
                    _ => LeaseStatus.Active,
                };
            },
            cancellationToken);
    }

    /// <summary>Finishes the job successfully with <paramref name="result"/> (JSON, may be null).</summary>
    public Task CompleteAsync(JobLease lease, string? result, CancellationToken cancellationToken)
    {
        return CompleteAsync(lease, result, progress: null, cancellationToken);
    }

    /// <summary>
    /// Finishes the job successfully with <paramref name="result"/> (JSON, may be null) and its last
    /// <paramref name="progress"/> (null keeps the one the last heartbeat sent; a job shorter than a heartbeat sent none).
    /// </summary>
    public Task CompleteAsync(JobLease lease, string? result, string? progress, CancellationToken cancellationToken)
    {
        return CompleteAsync(lease, result, progress, finalEvent: null, cancellationToken);
    }

    /// <summary>
    /// Ends the attempt as failed. <paramref name="permanent"/> (invalid data, unsupported option) fails the job at
    /// once; otherwise it is retried after the <see cref="RetryPolicy"/> backoff until it has used its attempts.
    /// Returns the resulting state: retryable, failed, or cancelled if a cancel was pending.
    /// </summary>
    public async Task<JobState> FailAsync(JobLease lease, string error, bool permanent, CancellationToken cancellationToken)
    {
        return (await FailAsync(lease, error, permanent, finalEvent: null, cancellationToken)).State;
    }

    /// <summary>Acknowledges a requested cancel: the worker has stopped, the job ends cancelled.</summary>
    public Task MarkCancelledAsync(JobLease lease, CancellationToken cancellationToken)
    {
        return MarkCancelledAsync(lease, finalEvent: null, cancellationToken);
    }

    /// <summary>
    /// Acknowledges a requested pause: the worker stored a checkpoint and stopped; the job waits as paused, this attempt
    /// uncharged. Returns paused, or cancelled if a cancel arrived meanwhile.
    /// </summary>
    public async Task<JobState> MarkPausedAsync(JobLease lease, CancellationToken cancellationToken)
    {
        return (await MarkPausedAsync(lease, finalEvent: null, cancellationToken)).State;
    }

    /// <summary>
    /// Gives the job back when the worker shuts down (after saving a checkpoint): claimable at once, and the
    /// interrupted attempt is not charged. Returns retryable, cancelled if a cancel was pending, or paused if a pause was.
    /// </summary>
    public async Task<JobState> ReleaseAsync(JobLease lease, CancellationToken cancellationToken)
    {
        return (await ReleaseAsync(lease, finalEvent: null, cancellationToken)).State;
    }

    /// <summary>
    /// Appends an event (<paramref name="payload"/> is JSON) to the job's log and returns its seq. Listeners on
    /// channel <c>job_events</c> get <c>job_id:seq</c> at commit.
    /// </summary>
    public async Task<long> AppendEventAsync(JobLease lease, string type, string payload, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentException.ThrowIfNullOrWhiteSpace(type);
        ArgumentNullException.ThrowIfNull(payload);
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(token);
                await using (var command = new NpgsqlCommand(QueueSql.AppendEvent, connection))
                {
                    QueueSql.AddLease(command, lease);
                    QueueSql.AddNow(command, _timeProvider);
                    command.Parameters.AddWithValue("type", type);
                    QueueSql.AddJson(command, "payload", payload);
                    if (await command.ExecuteScalarAsync(token) is long seq)
                    {
                        return seq;
                    }
                }
                await CheckFenceAsync(connection, lease, _ => false, token);
                return 0L;
            },
            cancellationToken);
    }

    /// <summary>
    /// Records that training can resume after <paramref name="step"/>, from <paramref name="artifactId"/> (a
    /// checkpoint artifact) and <paramref name="state"/> (JSON). The next attempt receives the highest step in
    /// <see cref="JobLease.ResumeFrom"/>.
    /// </summary>
    public async Task<Checkpoint> SaveCheckpointAsync(JobLease lease, long step, Guid? artifactId, string state, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentOutOfRangeException.ThrowIfNegative(step);
        ArgumentNullException.ThrowIfNull(state);
        Guid id = Guid.CreateVersion7();
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(token);
                await using (var command = new NpgsqlCommand(QueueSql.SaveCheckpoint, connection))
                {
                    QueueSql.AddLease(command, lease);
                    QueueSql.AddNow(command, _timeProvider);
                    command.Parameters.AddWithValue("id", id);
                    command.Parameters.AddWithValue("step", step);
                    command.Parameters.Add(new NpgsqlParameter("artifact_id", NpgsqlDbType.Uuid) { Value = (object?)artifactId ?? DBNull.Value });
                    QueueSql.AddJson(command, "state", state);
                    await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token);
                    if (await reader.ReadAsync(token))
                    {
                        return QueueSql.ReadCheckpoint(reader);
                    }
                }
                await CheckFenceAsync(connection, lease, _ => false, token);
                throw new InvalidOperationException("unreachable: the fence check throws");
            },
            cancellationToken);
    }

    /// <summary>
    /// After a fenced write matched nothing: returns the state if this worker's own earlier try already made the same
    /// transition (the job still names it as owner of this attempt), otherwise throws <see cref="LeaseLostException"/>.
    /// </summary>
    private static async Task<JobState> CheckFenceAsync(
        NpgsqlConnection connection,
        JobLease lease,
        Func<JobState, bool> isOwnEarlierWrite,
        CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(QueueSql.FenceCheck, connection);
        command.Parameters.AddWithValue("job_id", lease.JobId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new LeaseLostException(lease.JobId, lease.WorkerId, lease.Attempt, null);
        }
        JobState state = QueueSql.ParseState(reader.GetString(0));
        bool sameLease = !reader.IsDBNull(1) && reader.GetString(1) == lease.WorkerId && reader.GetInt32(2) == lease.Attempt;
        if (sameLease && isOwnEarlierWrite(state))
        {
            return state;
        }
        throw new LeaseLostException(lease.JobId, lease.WorkerId, lease.Attempt, state);
    }
}
