using System.Diagnostics.CodeAnalysis;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Resilience;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;
using NpgsqlTypes;

namespace FineTune.Persistence.Queue;

/// <summary>
/// The domain side of the job queue: the <c>job</c> table is each job's record and state machine, and each method is
/// one statement from <c>Queue/Sql</c>. Hangfire delivers the jobs (docs/queue.md says who guarantees what). This file
/// is the producer side; <c>JobQueue.Claim.cs</c> starts the attempt of a delivered job and <c>JobQueue.Lease.cs</c>
/// holds the fenced writes of the worker holding it.
/// </summary>
[SuppressMessage("Naming", "CA1711:Identifiers should not have incorrect suffix", Justification = "It is a queue; the name is the design's (STYLE.md section 5).")]
public sealed partial class JobQueue
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly JobQueueOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly DatabaseRetry _databaseRetry;
    private readonly RetryPolicy _retryPolicy;

    /// <summary>Creates the queue.</summary>
    /// <param name="dataSource">A data source from <see cref="FineTuneDataSource.Create"/>.</param>
    /// <param name="options">Lease and retry timing (defaults when null).</param>
    /// <param name="timeProvider">The clock. With <see cref="TimeProvider.System"/> (the default) every timestamp is
    /// the database's <c>now()</c>; any other provider's time is used instead, which lets tests move time.</param>
    /// <param name="databaseRetry">Retries transient database errors (default: 4 retries).</param>
    /// <param name="retryPolicy">Job backoff (default: from <paramref name="options"/>).</param>
    public JobQueue(
        NpgsqlDataSource dataSource,
        JobQueueOptions? options = null,
        TimeProvider? timeProvider = null,
        DatabaseRetry? databaseRetry = null,
        RetryPolicy? retryPolicy = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _options = options ?? new JobQueueOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _databaseRetry = databaseRetry ?? new DatabaseRetry();
        _retryPolicy = retryPolicy ?? new RetryPolicy(_options.RetryBaseDelay, _options.RetryMaxDelay);
    }

    /// <summary>The lease and retry timing in use.</summary>
    public JobQueueOptions Options => _options;

    /// <summary>Enqueues a job in its own transaction (retried on transient errors without creating a duplicate).</summary>
    /// <exception cref="JobDatasetNotFoundException">A dataset of <paramref name="job"/> is not its tenant's.</exception>
    public async Task<Job> EnqueueAsync(NewJob job, CancellationToken cancellationToken)
    {
        Validate(job);
        bool isRetry = false;
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(token);
                try
                {
                    return await InsertAsync(connection, null, job, token);
                }
                catch (PostgresException exception) when (isRetry && exception is { SqlState: PostgresErrorCodes.UniqueViolation, ConstraintName: "job_pkey" })
                {
                    // An earlier try committed and only its acknowledgement was lost: the job exists, return it.
                    return await GetAsync(job.TenantId, job.Id, token)
                        ?? throw new InvalidOperationException($"job {job.Id} exists for another tenant", exception);
                }
                finally
                {
                    isRetry = true;
                }
            },
            cancellationToken);
    }

    /// <summary>
    /// Enqueues a job inside the caller's transaction: workers cannot see it before the commit, and a rollback removes
    /// it together with the caller's other rows. Not retried: a failure ends the caller's transaction anyway.
    /// </summary>
    /// <exception cref="JobDatasetNotFoundException">A dataset of <paramref name="job"/> is not its tenant's.</exception>
    public async Task<Job> EnqueueAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, NewJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(connection);
        Validate(job);
        return await InsertAsync(connection, transaction, job, cancellationToken);
    }

    /// <summary>
    /// Enqueues a job on an EF Core context's connection, inside its current transaction if one is open
    /// (<c>Database.BeginTransactionAsync</c>), so the job commits or rolls back with the context's changes.
    /// </summary>
    /// <exception cref="JobDatasetNotFoundException">A dataset of <paramref name="job"/> is not its tenant's.</exception>
    public async Task<Job> EnqueueAsync(FineTuneDbContext context, NewJob job, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        Validate(job);
        await context.Database.OpenConnectionAsync(cancellationToken);
        try
        {
            var connection = (NpgsqlConnection)context.Database.GetDbConnection();
            var transaction = (NpgsqlTransaction?)context.Database.CurrentTransaction?.GetDbTransaction();
            return await InsertAsync(connection, transaction, job, cancellationToken);
        }
        finally
        {
            await context.Database.CloseConnectionAsync();
        }
    }

    /// <summary>Reads a job of <paramref name="tenantId"/>; null when there is none.</summary>
    public async Task<Job?> GetAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlCommand command = _dataSource.CreateCommand(QueueSql.GetJob);
                command.Parameters.AddWithValue("job_id", jobId);
                command.Parameters.AddWithValue("tenant_id", tenantId);
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token);
                return await reader.ReadAsync(token) ? QueueSql.ReadJob(reader) : null;
            },
            cancellationToken);
    }

    /// <summary>
    /// Requests cancellation of a job of <paramref name="tenantId"/>. Not yet running: cancelled at once. Running:
    /// <see cref="JobState.Cancelling"/>, which its worker sees on the next heartbeat. Final: unchanged. Returns the
    /// resulting state, or null when the tenant has no such job.
    /// </summary>
    public async Task<JobState?> RequestCancelAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        return (await RequestCancelWithDeliveryAsync(tenantId, jobId, cancellationToken))?.State;
    }

    /// <summary>
    /// <see cref="RequestCancelAsync(Guid, Guid, CancellationToken)"/>, also returning the Hangfire job of a job that was
    /// cancelled before it ran (for the caller to delete; <c>JobDispatcher.CancelAsync</c> does). Such a job gets its final
    /// <c>status</c> event <c>{status: "cancelled"}</c> in the same statement, so event subscribers stop waiting.
    /// </summary>
    public async Task<(JobState State, string? HangfireJobId)?> RequestCancelWithDeliveryAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        return await _databaseRetry.ExecuteAsync<(JobState, string?)?>(
            async token =>
            {
                await using NpgsqlCommand command = _dataSource.CreateCommand(QueueSql.RequestCancel);
                command.Parameters.AddWithValue("job_id", jobId);
                command.Parameters.AddWithValue("tenant_id", tenantId);
                QueueSql.AddNow(command, _timeProvider);
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token);
                if (!await reader.ReadAsync(token))
                {
                    return null;
                }
                return (QueueSql.ParseState(reader.GetString(0)), reader.IsDBNull(1) ? null : reader.GetString(1));
            },
            cancellationToken);
    }

    /// <summary>
    /// Pauses a job of <paramref name="tenantId"/> (<c>request_pause.sql</c>). Waiting for an attempt (queued or
    /// retryable): paused at once, with its <c>status</c> event <c>{status: "paused"}</c>, and its Hangfire job returned
    /// for the caller to delete (<c>JobDispatcher.PauseAsync</c> does). Running: the pause is requested; its worker sees
    /// it on the next heartbeat, stores a checkpoint, stops and marks it paused. Any other state: not accepted. Null when
    /// the tenant has no such job.
    /// </summary>
    public Task<JobControl?> RequestPauseAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        ControlAsync(QueueSql.RequestPause, tenantId, jobId, cancellationToken);

    /// <summary>
    /// Resumes a paused job of <paramref name="tenantId"/> (<c>resume.sql</c>): queued again, with its <c>status</c>
    /// event <c>{status: "resumed"}</c>, and without a Hangfire job, so the dispatcher hands it over anew
    /// (<c>JobDispatcher.ResumeAsync</c> asks it to at once). Its next attempt continues from its latest checkpoint. Any
    /// other state: not accepted. Null when the tenant has no such job.
    /// </summary>
    public Task<JobControl?> ResumeAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken) =>
        ControlAsync(QueueSql.Resume, tenantId, jobId, cancellationToken);

    /// <summary>Runs a pause or resume statement: each returns the resulting state and whether the change was
    /// accepted, and the pause also the Hangfire job to delete (a third column).</summary>
    private async Task<JobControl?> ControlAsync(string sql, Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        return await _databaseRetry.ExecuteAsync<JobControl?>(
            async token =>
            {
                await using NpgsqlCommand command = _dataSource.CreateCommand(sql);
                command.Parameters.AddWithValue("job_id", jobId);
                command.Parameters.AddWithValue("tenant_id", tenantId);
                QueueSql.AddNow(command, _timeProvider);
                await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(token);
                if (!await reader.ReadAsync(token))
                {
                    return null;
                }
                string? hangfireJobId = reader.FieldCount > 2 && !reader.IsDBNull(2) ? reader.GetString(2) : null;
                return new JobControl(QueueSql.ParseState(reader.GetString(0)), reader.GetBoolean(1), hangfireJobId);
            },
            cancellationToken);
    }

    /// <summary>
    /// Ends dataset validation of a job enqueued with <see cref="NewJob.AwaitValidation"/>: <paramref name="error"/>
    /// null makes it claimable, otherwise it fails with that reason. False when the tenant has no such job waiting.
    /// </summary>
    public async Task<bool> FinishValidationAsync(Guid tenantId, Guid jobId, string? error, CancellationToken cancellationToken)
    {
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlCommand command = _dataSource.CreateCommand(QueueSql.FinishValidation);
                command.Parameters.AddWithValue("job_id", jobId);
                command.Parameters.AddWithValue("tenant_id", tenantId);
                QueueSql.AddText(command, "error", error);
                QueueSql.AddNow(command, _timeProvider);
                return await command.ExecuteScalarAsync(token) is not null;
            },
            cancellationToken);
    }

    private static void Validate(NewJob job)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentException.ThrowIfNullOrWhiteSpace(job.Kind, nameof(job));
        ArgumentException.ThrowIfNullOrWhiteSpace(job.Spec, nameof(job));
        ArgumentException.ThrowIfNullOrWhiteSpace(job.Backend, nameof(job));
        ArgumentOutOfRangeException.ThrowIfLessThan(job.Priority, (short)1, nameof(job));
        ArgumentOutOfRangeException.ThrowIfGreaterThan(job.Priority, (short)4, nameof(job));
        ArgumentOutOfRangeException.ThrowIfLessThan(job.MaxAttempts, 1, nameof(job));
        ArgumentOutOfRangeException.ThrowIfNegative(job.RequiredMemoryBytes, nameof(job));
    }

    private async Task<Job> InsertAsync(NpgsqlConnection connection, NpgsqlTransaction? transaction, NewJob job, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(QueueSql.Enqueue, connection, transaction);
        command.Parameters.AddWithValue("id", job.Id);
        command.Parameters.AddWithValue("tenant_id", job.TenantId);
        command.Parameters.AddWithValue("kind", job.Kind);
        QueueSql.AddJson(command, "spec", job.Spec);
        command.Parameters.AddWithValue("backend", job.Backend);
        command.Parameters.AddWithValue("required_memory_bytes", job.RequiredMemoryBytes);
        command.Parameters.Add(new NpgsqlParameter("dataset_id", NpgsqlDbType.Uuid) { Value = (object?)job.DatasetId ?? DBNull.Value });
        command.Parameters.Add(new NpgsqlParameter("validation_dataset_id", NpgsqlDbType.Uuid) { Value = (object?)job.ValidationDatasetId ?? DBNull.Value });
        command.Parameters.AddWithValue("await_validation", job.AwaitValidation);
        command.Parameters.AddWithValue("priority", job.Priority);
        command.Parameters.AddWithValue("max_attempts", job.MaxAttempts);
        command.Parameters.Add(new NpgsqlParameter("scheduled_at", NpgsqlDbType.TimestampTz) { Value = (object?)job.ScheduledAt?.ToUniversalTime() ?? DBNull.Value });
        QueueSql.AddNow(command, _timeProvider);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            throw new JobDatasetNotFoundException($"job {job.Id} names a dataset that is not one of tenant {job.TenantId}'s");
        }
        return QueueSql.ReadJob(reader);
    }

    private static async Task<Checkpoint?> ReadLatestCheckpointAsync(NpgsqlConnection connection, Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(QueueSql.LatestCheckpoint, connection);
        command.Parameters.AddWithValue("job_id", jobId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? QueueSql.ReadCheckpoint(reader) : null;
    }
}
