using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class JobCancellationTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task RequestCancelAsync_QueuedJob_CancelsAtOnceAndNoWorkerGetsIt()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();

        JobState? state = await queue.Queue.RequestCancelAsync(queue.TenantId, job.Id, CancellationToken.None);
        JobClaim delivered = await queue.Queue.ClaimAsync(job.Id, queue.Worker(), CancellationToken.None);

        Assert.Equal(JobState.Cancelled, state);
        Assert.Equal(JobClaimOutcome.Finished, delivered.Outcome);
        Assert.NotNull((await queue.GetAsync(job.Id)).FinalizedAt);
    }

    [Fact]
    public async Task RequestCancelAsync_RunningJob_WorkerSeesItOnHeartbeatAndAcknowledges()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();

        JobState? requested = await queue.Queue.RequestCancelAsync(queue.TenantId, lease.JobId, CancellationToken.None);
        LeaseStatus heartbeat = await queue.Queue.HeartbeatAsync(lease, null, CancellationToken.None);
        await queue.Queue.MarkCancelledAsync(lease, CancellationToken.None);
        Job job = await queue.GetAsync(lease.JobId);

        Assert.Equal(JobState.Cancelling, requested);
        Assert.Equal(LeaseStatus.CancelRequested, heartbeat);
        Assert.Equal(JobState.Cancelled, job.State);
        Assert.NotNull(job.CancelRequestedAt);
        Assert.NotNull(job.FinalizedAt);
    }

    [Fact]
    public async Task ClaimAsync_CancellingJobWhoseWorkerDied_EndsCancelled()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        await queue.Queue.RequestCancelAsync(queue.TenantId, lease.JobId, CancellationToken.None);
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));

        JobClaim delivered = await queue.Queue.ClaimAsync(lease.JobId, queue.Worker("next"), CancellationToken.None);

        Assert.Equal(JobClaimOutcome.Finished, delivered.Outcome);
        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(lease.JobId)).State);
    }

    [Fact]
    public async Task FailAsync_WhileCancelling_EndsCancelledNotRetried()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        await queue.Queue.RequestCancelAsync(queue.TenantId, lease.JobId, CancellationToken.None);

        JobState state = await queue.Queue.FailAsync(lease, "interrupted", permanent: false, CancellationToken.None);

        Assert.Equal(JobState.Cancelled, state);
    }

    [Fact]
    public async Task RequestCancelAsync_SucceededJob_LeavesItSucceeded()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        await queue.Queue.CompleteAsync(lease, "{}", CancellationToken.None);

        JobState? state = await queue.Queue.RequestCancelAsync(queue.TenantId, lease.JobId, CancellationToken.None);

        Assert.Equal(JobState.Succeeded, state);
        Assert.Null((await queue.GetAsync(lease.JobId)).CancelRequestedAt);
    }

    [Fact]
    public async Task RequestCancelAsync_AnotherTenantsJob_IsNotFoundAndUntouched()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        Guid otherTenant = await database.CreateTenantAsync();

        JobState? state = await queue.Queue.RequestCancelAsync(otherTenant, job.Id, CancellationToken.None);

        Assert.Null(state);
        Assert.Equal(JobState.Queued, (await queue.GetAsync(job.Id)).State);
        Assert.Null(await queue.Queue.GetAsync(otherTenant, job.Id, CancellationToken.None));
    }
}
