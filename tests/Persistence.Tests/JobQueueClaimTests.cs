using System.Collections.Concurrent;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;
using Npgsql;

namespace FineTune.Persistence.Tests;

public sealed class JobQueueClaimTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task ClaimAsync_ManyWorkersConcurrently_ClaimEachJobExactlyOnce()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        var jobIds = new HashSet<Guid>();
        for (int i = 0; i < 60; i++)
        {
            jobIds.Add((await queue.EnqueueAsync()).Id);
        }
        var claims = new ConcurrentBag<(string Worker, Guid JobId)>();
        using var start = new Barrier(8);

        await Task.WhenAll(Enumerable.Range(0, 8).Select(w => Task.Run(async () =>
        {
            WorkerCapabilities worker = queue.Worker($"w{w}");
            start.SignalAndWait();
            while (await queue.Queue.ClaimAsync(worker, CancellationToken.None) is JobLease lease)
            {
                claims.Add((worker.WorkerId, lease.JobId));
            }
        })));

        Assert.Equal(jobIds.Count, claims.Count);
        Assert.Equal(jobIds.Order(), claims.Select(claim => claim.JobId).Order());
        Assert.True(claims.Select(claim => claim.Worker).Distinct().Count() > 1, "the claims were not spread over workers");
    }

    [Fact]
    public async Task ClaimAsync_FirstJobLockedByAnotherTransaction_SkipsItWithoutWaiting()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job first = await queue.EnqueueAsync();
        Job second = await queue.EnqueueAsync();
        await using NpgsqlConnection holder = await database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction transaction = await holder.BeginTransactionAsync();
        await using (var lockRow = new NpgsqlCommand("SELECT 1 FROM job WHERE id = @id FOR UPDATE", holder, transaction))
        {
            lockRow.Parameters.AddWithValue("id", first.Id);
            await lockRow.ExecuteScalarAsync();
        }

        JobLease lease = await queue.ClaimAsync(queue.Worker());

        Assert.Equal(second.Id, lease.JobId);
        await transaction.RollbackAsync();
    }

    [Fact]
    public async Task ClaimAsync_MixedPriorities_ClaimsByPriorityThenScheduleThenCreation()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job low = await queue.EnqueueAsync(queue.NewJob() with { Priority = 4 });
        Job normalFirst = await queue.EnqueueAsync(queue.NewJob() with { Priority = 2 });
        Job normalSecond = await queue.EnqueueAsync(queue.NewJob() with { Priority = 2 });
        Job urgent = await queue.EnqueueAsync(queue.NewJob() with { Priority = 1 });
        Job normalEarlier = await queue.EnqueueAsync(queue.NewJob() with { Priority = 2, ScheduledAt = queue.Clock.GetUtcNow().AddMinutes(-5) });
        WorkerCapabilities worker = queue.Worker();

        var order = new List<Guid>();
        while (await queue.Queue.ClaimAsync(worker, CancellationToken.None) is JobLease lease)
        {
            order.Add(lease.JobId);
        }

        Assert.Equal([urgent.Id, normalEarlier.Id, normalFirst.Id, normalSecond.Id, low.Id], order);
    }

    [Fact]
    public async Task ClaimAsync_WorkerWithoutTheBackend_LeavesTheJob()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        await queue.EnqueueAsync();
        var otherBackend = new WorkerCapabilities("other", "test-host", ["some-other-backend"], 1L << 40);

        JobLease? lease = await queue.Queue.ClaimAsync(otherBackend, CancellationToken.None);

        Assert.Null(lease);
    }

    [Fact]
    public async Task ClaimAsync_JobNeedsMoreMemoryThanWorkerHas_GoesToBiggerWorker()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job big = await queue.EnqueueAsync(queue.NewJob() with { RequiredMemoryBytes = 40L << 30, Priority = 1 });
        Job small = await queue.EnqueueAsync(queue.NewJob() with { RequiredMemoryBytes = 8L << 30, Priority = 2 });

        JobLease smallWorkerLease = await queue.ClaimAsync(queue.Worker("small", 16L << 30));
        JobLease? smallWorkerNext = await queue.Queue.ClaimAsync(queue.Worker("small", 16L << 30), CancellationToken.None);
        JobLease bigWorkerLease = await queue.ClaimAsync(queue.Worker("big", 80L << 30));

        Assert.Equal(small.Id, smallWorkerLease.JobId);
        Assert.Null(smallWorkerNext);
        Assert.Equal(big.Id, bigWorkerLease.JobId);
    }

    [Fact]
    public async Task ClaimAsync_ClaimedJob_IsRunningWithLeaseAndFirstAttempt()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        WorkerCapabilities worker = queue.Worker();

        JobLease lease = await queue.ClaimAsync(worker);
        Job stored = await queue.GetAsync(job.Id);

        Assert.Equal(job.Id, lease.JobId);
        Assert.Equal(1, lease.Attempt);
        Assert.Null(lease.ResumeFrom);
        Assert.Equal(JobState.Running, stored.State);
        Assert.Equal(worker.WorkerId, stored.LeaseOwner);
        Assert.Equal(queue.Clock.GetUtcNow() + queue.Options.LeaseDuration, stored.LeaseExpiresAt);
    }

    [Fact]
    public async Task ClaimAsync_JobScheduledInTheFuture_IsClaimableOnlyOnceItsTimeComes()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync(queue.NewJob() with { ScheduledAt = queue.Clock.GetUtcNow().AddMinutes(10) });
        WorkerCapabilities worker = queue.Worker();

        JobLease? early = await queue.Queue.ClaimAsync(worker, CancellationToken.None);
        queue.Clock.Advance(TimeSpan.FromMinutes(10));
        JobLease? onTime = await queue.Queue.ClaimAsync(worker, CancellationToken.None);

        Assert.Null(early);
        Assert.Equal(job.Id, onTime?.JobId);
    }

    [Fact]
    public async Task ClaimAsync_JobAwaitingValidation_IsClaimableOnlyAfterValidationPasses()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync(queue.NewJob() with { AwaitValidation = true });
        WorkerCapabilities worker = queue.Worker();

        JobLease? before = await queue.Queue.ClaimAsync(worker, CancellationToken.None);
        bool finished = await queue.Queue.FinishValidationAsync(queue.TenantId, job.Id, null, CancellationToken.None);
        JobLease? after = await queue.Queue.ClaimAsync(worker, CancellationToken.None);

        Assert.Equal(JobState.ValidatingFiles, job.State);
        Assert.Equal("validating_files", job.State.ToApiStatus());
        Assert.Null(before);
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
