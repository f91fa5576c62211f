using System.Collections.Concurrent;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class JobQueueClaimTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task ClaimAsync_EveryJobDeliveredToManyWorkersConcurrently_StartsExactlyOneAttemptEach()
    {
        // Hangfire delivers at least once: here every job arrives at 8 workers at the same moment.
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        var jobIds = new List<Guid>();
        for (int i = 0; i < 20; i++)
        {
            jobIds.Add((await queue.EnqueueAsync()).Id);
        }
        var claims = new ConcurrentBag<(string Worker, Guid JobId)>();
        using var start = new Barrier(8);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            WorkerCapabilities worker = queue.Worker($"w{w}");
            start.SignalAndWait();
            foreach (Guid jobId in jobIds)
            {
                if (await queue.TryClaimAsync(jobId, worker) is JobLease lease)
                {
                    claims.Add((worker.WorkerId, lease.JobId));
                }
            }
        })));

        Assert.Equal(jobIds.Order(), claims.Select(claim => claim.JobId).Order());
        foreach (Guid jobId in jobIds)
        {
            Job job = await queue.GetAsync(jobId);
            Assert.Equal(1, job.Attempt);
            Assert.Equal(claims.Single(claim => claim.JobId == jobId).Worker, job.LeaseOwner);
        }
    }

    [Fact]
    public async Task ClaimAsync_ClaimedJob_IsRunningWithLeaseAndFirstAttempt()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        WorkerCapabilities worker = queue.Worker();

        JobLease lease = await queue.ClaimAsync(job.Id, worker);
        Job stored = await queue.GetAsync(job.Id);

        Assert.Equal(job.Id, lease.JobId);
        Assert.Equal(1, lease.Attempt);
        Assert.Null(lease.ResumeFrom);
        Assert.Equal(JobState.Running, stored.State);
        Assert.Equal(worker.WorkerId, stored.LeaseOwner);
        Assert.Equal(queue.Clock.GetUtcNow() + queue.Options.LeaseDuration, stored.LeaseExpiresAt);
    }

    [Fact]
    public async Task ClaimAsync_JobAwaitingValidation_IsClaimableOnlyAfterValidationPasses()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync(queue.NewJob() with { AwaitValidation = true });
        WorkerCapabilities worker = queue.Worker();

        JobClaim before = await queue.Queue.ClaimAsync(job.Id, worker, CancellationToken.None);
        bool finished = await queue.Queue.FinishValidationAsync(queue.TenantId, job.Id, null, CancellationToken.None);
        JobLease? after = await queue.TryClaimAsync(job.Id, worker);

        Assert.Equal(JobState.ValidatingFiles, job.State);
        Assert.Equal("validating_files", job.State.ToApiStatus());
        Assert.Equal(JobClaimOutcome.NotReady, before.Outcome);
        Assert.True(finished);
        Assert.Equal(job.Id, after?.JobId);
    }

    [Fact]
    public async Task FinishValidationAsync_WithError_FailsTheJobWithTheReason()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync(queue.NewJob() with { AwaitValidation = true });

        await queue.Queue.FinishValidationAsync(queue.TenantId, job.Id, "line 3: missing \"messages\"", CancellationToken.None);
        Job failed = await queue.GetAsync(job.Id);

        Assert.Equal(JobState.Failed, failed.State);
        Assert.Equal("line 3: missing \"messages\"", failed.Error);
        Assert.NotNull(failed.FinalizedAt);
    }

    [Fact]
    public async Task EnqueueAsync_InvalidPriority_ThrowsBeforeTouchingTheDatabase()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);

        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => queue.EnqueueAsync(queue.NewJob() with { Priority = 0 }));
    }
}
