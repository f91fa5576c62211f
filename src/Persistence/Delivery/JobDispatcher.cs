using System.Threading.Channels;
using FineTune.Persistence.Queue;
using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FineTune.Persistence.Delivery;

/// <summary>
/// Hands queued jobs to Hangfire: the relay of an outbox whose rows are the <c>job</c> rows themselves. Submitting
/// commits the job row alone (with its dataset and idempotency rows); a job waiting for an attempt whose
/// <c>hangfire_job_id</c> is null is not handed over yet, and this class enqueues it on its Hangfire queue
/// (<see cref="HangfireQueues.For"/>) and records the Hangfire job ID, in a transaction that holds the row lock.
/// <para>
/// The crash windows: dying after the row commits but before the hand-over leaves the row for the next sweep (at start,
/// then every <see cref="HangfireOptions.DispatchSweepInterval"/>); dying after Hangfire's insert but before our commit
/// makes the next sweep enqueue a second Hangfire job for the same row, which is harmless: deliveries are at least once
/// anyway, and the claim lets only one attempt start (<see cref="JobQueue.ClaimAsync(Guid, WorkerCapabilities, CancellationToken)"/>).
/// No Hangfire job is ever created before its row commits, so no job can run without a row.
/// </para>
/// </summary>
public sealed class JobDispatcher
{
    private const int BatchSize = 100;

    private readonly NpgsqlDataSource _dataSource;
    private readonly IBackgroundJobClient _hangfire;
    private readonly HangfireBatchEnqueuer _enqueuer;
    private readonly ILogger _logger;
    private readonly Channel<Guid> _submitted = Channel.CreateUnbounded<Guid>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Creates the dispatcher for Hangfire's <paramref name="storage"/> with FineTune's <paramref name="filters"/>.</summary>
    public JobDispatcher(NpgsqlDataSource dataSource, JobStorage storage, IJobFilterProvider filters, ILogger<JobDispatcher>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _hangfire = new BackgroundJobClient(storage, filters);
        _enqueuer = new HangfireBatchEnqueuer(storage, filters);
        _logger = logger ?? NullLogger<JobDispatcher>.Instance;
    }

    /// <summary>The Hangfire client jobs are created and deleted with.</summary>
    public IBackgroundJobClient Hangfire => _hangfire;

    /// <summary>Jobs committed by this process, for <see cref="JobDispatchService"/> to hand over at once.</summary>
    internal ChannelReader<Guid> Submitted => _submitted.Reader;

    /// <summary>
    /// Asks for <paramref name="jobId"/> (committed) to be handed over now, without waiting for it: the request path
    /// stays one database round trip shorter, and the sweep covers a hand-over this process never gets to.
    /// </summary>
    public void Notify(Guid jobId)
    {
        _submitted.Writer.TryWrite(jobId);
    }

    /// <summary>Hands over <paramref name="jobId"/> if it waits for an attempt and Hangfire does not have it; true if it did.</summary>
    public async Task<bool> DispatchAsync(Guid jobId, CancellationToken cancellationToken)
    {
        return await DispatchBatchAsync(jobId, cancellationToken) > 0;
    }

    /// <summary>Hands over every job waiting for an attempt that Hangfire does not have; returns how many.</summary>
    public async Task<int> DispatchPendingAsync(CancellationToken cancellationToken)
    {
        int total = 0;
        while (true)
        {
            int count = await DispatchBatchAsync(null, cancellationToken);
            total += count;
            if (count < BatchSize)
            {
                return total;
            }
        }
    }

    /// <summary>
    /// Cancels a job of <paramref name="tenantId"/> (<see cref="JobQueue.RequestCancelAsync(Guid, Guid, CancellationToken)"/>)
    /// and, when it was cancelled before it ran, deletes its Hangfire job so no server fetches it. A running job's
    /// worker deletes its own Hangfire job when it stops. Returns the resulting state; null when there is no such job.
    /// </summary>
    public async Task<JobState?> CancelAsync(JobQueue queue, Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        (JobState State, string? HangfireJobId)? cancelled = await queue.RequestCancelWithDeliveryAsync(tenantId, jobId, cancellationToken);
        if (cancelled?.HangfireJobId is string hangfireJobId)
        {
            // Best effort: a delivery that escapes the delete finds the job cancelled and does nothing.
            _hangfire.Delete(hangfireJobId);
        }
        return cancelled?.State;
    }

    /// <summary>
    /// Pauses a job of <paramref name="tenantId"/> (<see cref="JobQueue.RequestPauseAsync"/>) and, when it was paused
    /// before it ran, deletes its Hangfire job as a cancel does. A running job's worker deletes its own Hangfire job when
    /// it stops. Null when there is no such job.
    /// </summary>
    public async Task<JobControl?> PauseAsync(JobQueue queue, Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        JobControl? paused = await queue.RequestPauseAsync(tenantId, jobId, cancellationToken);
        if (paused?.HangfireJobId is string hangfireJobId)
        {
            // Best effort: a delivery that escapes the delete finds the job paused and does nothing.
            _hangfire.Delete(hangfireJobId);
        }
        return paused;
    }

    /// <summary>
    /// Resumes a paused job of <paramref name="tenantId"/> (<see cref="JobQueue.ResumeAsync"/>) and asks for it to be
    /// handed to Hangfire now; the sweep covers a hand-over this process never gets to. Null when there is no such job.
    /// </summary>
    public async Task<JobControl?> ResumeAsync(JobQueue queue, Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(queue);
        JobControl? resumed = await queue.ResumeAsync(tenantId, jobId, cancellationToken);
        if (resumed is { Accepted: true })
        {
            Notify(jobId);
        }
        return resumed;
    }

    private async Task<int> DispatchBatchAsync(Guid? jobId, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        var pending = new List<(Guid Id, string Backend, long RequiredMemoryBytes)>();
        await using (var select = new NpgsqlCommand(QueueSql.Undispatched, connection, transaction))
        {
            select.Parameters.Add(new NpgsqlParameter("job_id", NpgsqlTypes.NpgsqlDbType.Uuid) { Value = (object?)jobId ?? DBNull.Value });
            select.Parameters.AddWithValue("batch_size", BatchSize);
            await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                pending.Add((reader.GetGuid(0), reader.GetString(1), reader.GetInt64(2)));
            }
        }
        if (pending.Count > 0)
        {
            // Hangfire's client is synchronous (blocking Npgsql I/O): the creates run on a thread of their own, not on a
            // thread-pool thread that request handlers need during a burst of submissions.
            string[] hangfireJobIds = await Task.Factory.StartNew(
                () => CreateHangfireJobs(pending), cancellationToken, TaskCreationOptions.LongRunning, TaskScheduler.Default);
            await using var mark = new NpgsqlCommand(QueueSql.MarkDispatched, connection, transaction);
            mark.Parameters.AddWithValue("job_ids", pending.Select(job => job.Id).ToArray());
            mark.Parameters.AddWithValue("hangfire_job_ids", hangfireJobIds);
            await mark.ExecuteNonQueryAsync(cancellationToken);
        }
        await transaction.CommitAsync(cancellationToken);
        return pending.Count;
    }

    private string[] CreateHangfireJobs(List<(Guid Id, string Backend, long RequiredMemoryBytes)> pending)
    {
        var jobs = pending.Select(job => (job.Id, Queue: HangfireQueues.For(job.Backend, job.RequiredMemoryBytes))).ToList();
        string[] hangfireJobIds = _enqueuer.Enqueue(jobs);
        for (int i = 0; i < jobs.Count; i++)
        {
            _logger.LogDebug("Job {JobId} handed to Hangfire as {HangfireJobId} on queue {Queue}", jobs[i].Id, hangfireJobIds[i], jobs[i].Queue);
        }
        return hangfireJobIds;
    }
}
