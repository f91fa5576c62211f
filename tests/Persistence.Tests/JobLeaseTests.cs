using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class JobLeaseTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task HeartbeatAsync_HeldLease_ExtendsExpiryAndStoresProgress()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        JobLease lease = await queue.ClaimAsync(queue.Worker());
        queue.Clock.Advance(TimeSpan.FromSeconds(40));

        LeaseStatus status = await queue.Queue.HeartbeatAsync(lease, """{"step": 7}""", CancellationToken.None);
        Job stored = await queue.GetAsync(job.Id);

        Assert.Equal(LeaseStatus.Active, status);
        Assert.Equal(queue.Clock.GetUtcNow() + queue.Options.LeaseDuration, stored.LeaseExpiresAt);
        Assert.Equal("""{"step": 7}""", stored.Progress);
    }

    [Fact]
    public async Task RunOnceAsync_LeaseNotExpired_LeavesTheJobRunning()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await ClaimNewJobAsync(queue);
        queue.Clock.Advance(queue.Options.LeaseDuration - TimeSpan.FromSeconds(1));

        IReadOnlyDictionary<Guid, JobState> rescued = await queue.Rescuer.RunOnceAsync(CancellationToken.None);

        Assert.False(rescued.ContainsKey(lease.JobId));
        Assert.Equal(JobState.Running, (await queue.GetAsync(lease.JobId)).State);
    }

    [Fact]
    public async Task RunOnceAsync_LeaseExpired_MakesJobRetryableAndNextWorkerResumesFromLastCheckpoint()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease first = await ClaimNewJobAsync(queue);
        await queue.Queue.SaveCheckpointAsync(first, 10, null, """{"seed": 1}""", CancellationToken.None);
        await queue.Queue.SaveCheckpointAsync(first, 20, null, """{"seed": 1}""", CancellationToken.None);
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        IReadOnlyDictionary<Guid, JobState> rescued = await queue.Rescuer.RunOnceAsync(CancellationToken.None);
        Job afterRescue = await queue.GetAsync(first.JobId);
        queue.Clock.Advance(queue.Options.RetryMaxDelay * 2);
        JobLease second = await queue.ClaimAsync(queue.Worker("second"));

        Assert.Equal(JobState.Retryable, rescued[first.JobId]);
        Assert.Equal("queued", afterRescue.State.ToApiStatus());
        Assert.Null(afterRescue.LeaseOwner);
        Assert.Contains("stopped heartbeating", afterRescue.Error, StringComparison.Ordinal);
        Assert.Equal(first.JobId, second.JobId);
        Assert.Equal(2, second.Attempt);
        Assert.Equal(20, second.ResumeFrom?.Step);
        Assert.Equal(1, second.ResumeFrom?.Attempt);
    }

    [Fact]
    public async Task RunOnceAsync_LeaseExpiredOnLastAttempt_FailsTheJob()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        await queue.EnqueueAsync(queue.NewJob() with { MaxAttempts = 1 });
        JobLease lease = await queue.ClaimAsync(queue.Worker());
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        IReadOnlyDictionary<Guid, JobState> rescued = await queue.Rescuer.RunOnceAsync(CancellationToken.None);
        Job job = await queue.GetAsync(lease.JobId);

        Assert.Equal(JobState.Failed, rescued[lease.JobId]);
        Assert.Equal(JobState.Failed, job.State);
        Assert.NotNull(job.FinalizedAt);
    }

    [Fact]
    public async Task RunOnceAsync_HeartbeatAfterExpiryButBeforeRescue_KeepsTheLease()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await ClaimNewJobAsync(queue);
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        LeaseStatus status = await queue.Queue.HeartbeatAsync(lease, null, CancellationToken.None);
        IReadOnlyDictionary<Guid, JobState> rescued = await queue.Rescuer.RunOnceAsync(CancellationToken.None);

        Assert.Equal(LeaseStatus.Active, status);
        Assert.False(rescued.ContainsKey(lease.JobId));
    }

    [Fact]
    public async Task StaleWorker_AfterRescue_CannotWriteAnything()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease stale = await ClaimNewJobAsync(queue);
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        await queue.Rescuer.RunOnceAsync(CancellationToken.None);
        queue.Clock.Advance(queue.Options.RetryMaxDelay * 2);
        JobLease current = await queue.ClaimAsync(queue.Worker("current"));
        CancellationToken none = CancellationToken.None;

        LeaseStatus heartbeat = await queue.Queue.HeartbeatAsync(stale, null, none);
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.CompleteAsync(stale, "{}", none));
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.FailAsync(stale, "boom", permanent: false, none));
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.MarkCancelledAsync(stale, none));
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.ReleaseAsync(stale, none));
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.AppendEventAsync(stale, "step", "{}", none));
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.SaveCheckpointAsync(stale, 5, null, "{}", none));
        Job job = await queue.GetAsync(stale.JobId);

        Assert.Equal(LeaseStatus.Lost, heartbeat);
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal(current.WorkerId, job.LeaseOwner);
        Assert.Equal(2, job.Attempt);
        Assert.Equal(0, job.EventSeq);
        Assert.Equal(LeaseStatus.Active, await queue.Queue.HeartbeatAsync(current, null, none));
    }

    [Fact]
    public async Task CompleteAsync_HeldLease_SucceedsAndARepeatedCallIsHarmless()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await ClaimNewJobAsync(queue);

        await queue.Queue.CompleteAsync(lease, """{"final_loss": 1.5}""", CancellationToken.None);
        await queue.Queue.CompleteAsync(lease, """{"final_loss": 1.5}""", CancellationToken.None);
        Job job = await queue.GetAsync(lease.JobId);

        Assert.Equal(JobState.Succeeded, job.State);
        Assert.Equal("""{"final_loss": 1.5}""", job.Result);
        Assert.NotNull(job.FinalizedAt);
        Assert.Null(job.LeaseExpiresAt);
        Assert.Equal(LeaseStatus.Lost, await queue.Queue.HeartbeatAsync(lease, null, CancellationToken.None));
    }

    [Fact]
    public async Task ReleaseAsync_OnShutdown_RequeuesAtOnceWithoutChargingTheAttempt()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        await queue.EnqueueAsync(queue.NewJob() with { MaxAttempts = 1 });
        JobLease first = await queue.ClaimAsync(queue.Worker());

        JobState state = await queue.Queue.ReleaseAsync(first, CancellationToken.None);
        JobLease second = await queue.ClaimAsync(queue.Worker("next"));

        Assert.Equal(JobState.Retryable, state);
        Assert.Equal(first.JobId, second.JobId);
        Assert.Equal(2, second.Attempt);
        Assert.Equal(2, second.Job.MaxAttempts);
    }

    [Fact]
    public async Task SaveCheckpointAsync_SameStepTwice_KeepsOneCheckpoint()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await ClaimNewJobAsync(queue);

        await queue.Queue.SaveCheckpointAsync(lease, 10, null, """{"v": 1}""", CancellationToken.None);
        Checkpoint again = await queue.Queue.SaveCheckpointAsync(lease, 10, null, """{"v": 2}""", CancellationToken.None);

        Assert.Equal("""{"v": 2}""", again.State);
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM checkpoint WHERE job_id = @id", ("id", lease.JobId)));
    }

    [Fact]
    public async Task NextPassAsync_RescuerRunningInBackground_SignalsEachPass()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database, new JobQueueOptions { RescueInterval = TimeSpan.FromMilliseconds(20) });
        JobLease lease = await ClaimNewJobAsync(queue);
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        Task<IReadOnlyDictionary<Guid, JobState>> firstPass = queue.Rescuer.NextPassAsync(guard.Token);

        await queue.Rescuer.StartAsync(guard.Token);
        try
        {
            IReadOnlyDictionary<Guid, JobState> rescued = await firstPass;
            IReadOnlyDictionary<Guid, JobState> later = await queue.Rescuer.NextPassAsync(guard.Token);

            Assert.Equal(JobState.Retryable, rescued[lease.JobId]);
            Assert.False(later.ContainsKey(lease.JobId));
        }
        finally
        {
            await queue.Rescuer.StopAsync(CancellationToken.None);
        }
    }

    private static async Task<JobLease> ClaimNewJobAsync(QueueFixture queue)
    {
        await queue.EnqueueAsync();
        return await queue.ClaimAsync(queue.Worker());
    }
}
