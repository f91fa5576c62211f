using FineTune.Persistence.Entities;
using Npgsql;

namespace FineTune.Persistence.Queue;

/// <summary>
/// The claim of a job that Hangfire delivered to a worker. Hangfire chooses which worker runs a job and when; this
/// statement is what makes the attempt exclusive and fenced, whatever Hangfire does: it delivers at least once, so the
/// same job can arrive twice, and a worker that went silent may still be computing.
/// </summary>
public sealed partial class JobQueue
{
    /// <summary>
    /// Starts attempt n+1 on <paramref name="jobId"/> for <paramref name="worker"/>, fenced by (worker, attempt). A job
    /// whose previous attempt's lease expired (its worker was killed or cut off) is first settled:
    /// cancelled if a cancel was pending, failed if it used its attempts, otherwise claimed again here, resuming from its
    /// latest checkpoint (<see cref="JobLease.ResumeFrom"/>). A job another attempt still holds is left alone.
    /// </summary>
    public async Task<JobClaim> ClaimAsync(Guid jobId, WorkerCapabilities worker, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(worker);
        return await _databaseRetry.ExecuteAsync(
            async token =>
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(token);
                if (await TryClaimAsync(connection, jobId, worker, token) is JobLease claimed)
                {
                    return new JobClaim(JobClaimOutcome.Claimed, claimed, claimed.Job);
                }
                (Job? job, bool leaseExpired) = await ReadForDeliveryAsync(connection, jobId, token);
                if (job is not null && leaseExpired && job.State is JobState.Running or JobState.Cancelling)
                {
                    await SettleExpiredLeaseAsync(connection, job, token);
                    if (await TryClaimAsync(connection, jobId, worker, token) is JobLease resumed)
                    {
                        return new JobClaim(JobClaimOutcome.Claimed, resumed, resumed.Job);
                    }
                    (job, _) = await ReadForDeliveryAsync(connection, jobId, token);
                }
                return job switch
                {
                    null => new JobClaim(JobClaimOutcome.Missing, null, null),
                    { State: JobState.Succeeded or JobState.Failed or JobState.Cancelled } => new JobClaim(JobClaimOutcome.Finished, null, job),
                    { State: JobState.ValidatingFiles } => new JobClaim(JobClaimOutcome.NotReady, null, job),
                    { State: JobState.Paused } => new JobClaim(JobClaimOutcome.Paused, null, job),
                    _ => new JobClaim(JobClaimOutcome.HeldElsewhere, null, job),
                };
            },
            cancellationToken);
    }

    private async Task<JobLease?> TryClaimAsync(NpgsqlConnection connection, Guid jobId, WorkerCapabilities worker, CancellationToken cancellationToken)
    {
        Job? job;
        await using (var command = new NpgsqlCommand(QueueSql.ClaimJob, connection))
        {
            QueueSql.AddNow(command, _timeProvider);
            command.Parameters.AddWithValue("job_id", jobId);
            command.Parameters.AddWithValue("worker_id", worker.WorkerId);
            command.Parameters.AddWithValue("lease_duration", _options.LeaseDuration);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            job = await reader.ReadAsync(cancellationToken) ? QueueSql.ReadJob(reader) : null;
        }
        if (job is null)
        {
            return null;
        }
        Checkpoint? resumeFrom = job.Attempt > 1 ? await ReadLatestCheckpointAsync(connection, job.Id, cancellationToken) : null;
        return new JobLease(job, worker.WorkerId, resumeFrom);
    }

    private async Task<(Job? Job, bool LeaseExpired)> ReadForDeliveryAsync(NpgsqlConnection connection, Guid jobId, CancellationToken cancellationToken)
    {
        await using var command = new NpgsqlCommand(QueueSql.JobById, connection);
        QueueSql.AddNow(command, _timeProvider);
        command.Parameters.AddWithValue("job_id", jobId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        if (!await reader.ReadAsync(cancellationToken))
        {
            return (null, false);
        }
        int expired = reader.GetOrdinal("lease_expired");
        return (QueueSql.ReadJob(reader), !reader.IsDBNull(expired) && reader.GetBoolean(expired));
    }

    /// <summary>
    /// Ends the attempt whose worker stopped heartbeating (<c>settle_expired_lease.sql</c>, which re-checks the attempt
    /// and the expiry, so a heartbeat that lands first wins). No backoff: Hangfire already waited out its invisibility
    /// timeout.
    /// </summary>
    private async Task SettleExpiredLeaseAsync(NpgsqlConnection connection, Job job, CancellationToken cancellationToken)
    {
        await using var update = new NpgsqlCommand(QueueSql.SettleExpiredLease, connection);
        QueueSql.AddNow(update, _timeProvider);
        update.Parameters.AddWithValue("job_id", job.Id);
        update.Parameters.AddWithValue("attempt", job.Attempt);
        await update.ExecuteNonQueryAsync(cancellationToken);
    }
}
