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
        JobLease lease = await queue.ClaimAsync(job.Id);
        queue.Clock.Advance(TimeSpan.FromSeconds(40));

        LeaseStatus status = await queue.Queue.HeartbeatAsync(lease, """{"step": 7}""", CancellationToken.None);
        Job stored = await queue.GetAsync(job.Id);

        Assert.Equal(LeaseStatus.Active, status);
        Assert.Equal(queue.Clock.GetUtcNow() + queue.Options.LeaseDuration, stored.LeaseExpiresAt);
        Assert.Equal("""{"step": 7}""", stored.Progress);
    }

    [Fact]
    public async Task ClaimAsync_SecondDeliveryBeforeTheLeaseExpires_LeavesTheJobToItsWorker()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        queue.Clock.Advance(queue.Options.LeaseDuration - TimeSpan.FromSeconds(1));

        JobClaim second = await queue.Queue.ClaimAsync(lease.JobId, queue.Worker("second"), CancellationToken.None);
        Job job = await queue.GetAsync(lease.JobId);

        Assert.Equal(JobClaimOutcome.HeldElsewhere, second.Outcome);
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal(lease.WorkerId, job.LeaseOwner);
        Assert.Equal(1, job.Attempt);
    }

    [Fact]
    public async Task ClaimAsync_LeaseExpired_RecordsWhyAndTheNextWorkerResumesFromTheLastCheckpoint()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease first = await queue.EnqueueAndClaimAsync();
        await queue.Queue.SaveCheckpointAsync(first, 10, null, """{"seed": 1}""", CancellationToken.None);
        await queue.Queue.SaveCheckpointAsync(first, 20, null, """{"seed": 1}""", CancellationToken.None);
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        JobLease second = await queue.ClaimAsync(first.JobId, queue.Worker("second"));
        Job job = await queue.GetAsync(first.JobId);

        Assert.Equal(2, second.Attempt);
        Assert.Equal(20, second.ResumeFrom?.Step);
        Assert.Equal(1, second.ResumeFrom?.Attempt);
        Assert.Equal(second.WorkerId, job.LeaseOwner);
        Assert.Contains("stopped heartbeating", job.Error, StringComparison.Ordinal);
        Assert.Contains("stopped heartbeating", job.Errors, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ClaimAsync_LeaseExpiredOnLastAttempt_FailsTheJob()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync(queue.NewJob() with { MaxAttempts = 1 });
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        JobClaim late = await queue.Queue.ClaimAsync(lease.JobId, queue.Worker("next"), CancellationToken.None);
        Job job = await queue.GetAsync(lease.JobId);

        Assert.Equal(JobClaimOutcome.Finished, late.Outcome);
        Assert.Equal(JobState.Failed, job.State);
        Assert.NotNull(job.FinalizedAt);
    }

    [Fact]
    public async Task ClaimAsync_HeartbeatAfterExpiryButBeforeTheNextDelivery_KeepsTheLease()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        LeaseStatus status = await queue.Queue.HeartbeatAsync(lease, null, CancellationToken.None);
        JobClaim next = await queue.Queue.ClaimAsync(lease.JobId, queue.Worker("next"), CancellationToken.None);

        Assert.Equal(LeaseStatus.Active, status);
        Assert.Equal(JobClaimOutcome.HeldElsewhere, next.Outcome);
        Assert.Equal(lease.WorkerId, (await queue.GetAsync(lease.JobId)).LeaseOwner);
    }

    [Fact]
    public async Task StaleWorker_AfterTakeover_CannotWriteAnything()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease stale = await queue.EnqueueAndClaimAsync();
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        JobLease current = await queue.ClaimAsync(stale.JobId, queue.Worker("current"));
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
        JobLease lease = await queue.EnqueueAndClaimAsync();

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
        JobLease first = await queue.EnqueueAndClaimAsync(queue.NewJob() with { MaxAttempts = 1 });

        JobState state = await queue.Queue.ReleaseAsync(first, CancellationToken.None);
        JobLease second = await queue.ClaimAsync(first.JobId, queue.Worker("next"));

        Assert.Equal(JobState.Retryable, state);
        Assert.Equal(first.JobId, second.JobId);
        Assert.Equal(2, second.Attempt);
        Assert.Equal(2, second.Job.MaxAttempts);
    }

    [Fact]
    public async Task SaveCheckpointAsync_SameStepTwice_KeepsOneCheckpoint()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();

        await queue.Queue.SaveCheckpointAsync(lease, 10, null, """{"v": 1}""", CancellationToken.None);
        Checkpoint again = await queue.Queue.SaveCheckpointAsync(lease, 10, null, """{"v": 2}""", CancellationToken.None);

        Assert.Equal("""{"v": 2}""", again.State);
        Assert.Equal(1, await database.ScalarAsync<long>("SELECT count(*) FROM checkpoint WHERE job_id = @id", ("id", lease.JobId)));
    }
}
