using FineTune.Persistence.Delivery;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Migrations;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;
using Hangfire.PostgreSql;

namespace FineTune.Persistence.Tests;

/// <summary>
/// The hand-over of jobs to Hangfire (the outbox relay) and the claim of a delivered job, against real Postgres and
/// Hangfire.PostgreSql's real tables: what a crash between the two leaves, what a database from before Hangfire does
/// on its first start, and what a duplicate delivery can write.
/// </summary>
public sealed class JobDeliveryTests
{
    [Fact]
    public async Task DispatchPendingAsync_DatabaseFromBeforeHangfire_HandsItsQueuedJobsToHangfireOnItsQueue()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: false);
        // The schema as the last release left it, with a job queued under it.
        await new DatabaseMigrator(database.DataSource, MigrationScript.All.Where(script => script.Version < 3).ToList()).MigrateAsync(CancellationToken.None);
        Guid tenant = await database.CreateTenantAsync();
        Guid queued = Guid.CreateVersion7();
        await database.ScalarAsync<object>(
            "INSERT INTO job (id, tenant_id, kind, spec, backend, required_memory_bytes, priority, max_attempts, scheduled_at) VALUES (@id, @tenant, 'train.lora', '{}', 'libtorch-cuda', @memory, 2, 5, now())",
            ("id", queued), ("tenant", tenant), ("memory", 20L << 30));

        // What a host's start does: migrate, then the dispatcher's first sweep.
        await new DatabaseMigrator(database.DataSource).MigrateAsync(CancellationToken.None);
        JobDispatcher dispatcher = Dispatcher(database);
        int handedOver = await dispatcher.DispatchPendingAsync(CancellationToken.None);

        Assert.Equal(1, handedOver);
        Assert.Equal("cuda_20g", await HangfireQueueAsync(database, queued));
        Assert.Equal("Enqueued", await HangfireStateAsync(database, queued));
        Assert.Equal(0, await dispatcher.DispatchPendingAsync(CancellationToken.None));
    }

    [Fact]
    public async Task DispatchPendingAsync_HandOver_WritesNoCultureParameters()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        Guid tenant = await database.CreateTenantAsync();
        Guid queued = Guid.CreateVersion7();
        await database.ScalarAsync<object>(
            "INSERT INTO job (id, tenant_id, kind, spec, backend, required_memory_bytes, priority, max_attempts, scheduled_at) VALUES (@id, @tenant, 'train.lora', '{}', 'libtorch-cpu', @memory, 2, 5, now())",
            ("id", queued), ("tenant", tenant), ("memory", 1L << 30));

        Assert.Equal(1, await Dispatcher(database).DispatchPendingAsync(CancellationToken.None));

        Assert.Equal("Enqueued", await HangfireStateAsync(database, queued));
        long? cultureParameters = await database.ScalarAsync<long>(
            "SELECT count(*) FROM job j JOIN hangfire.jobparameter p ON p.jobid::text = j.hangfire_job_id WHERE j.id = @id AND p.name LIKE '%Culture%'",
            ("id", queued));
        Assert.Equal(0, cultureParameters);
    }

    [Fact]
    public async Task DispatchPendingAsync_MoreJobsThanOneBatch_EachRowNamesTheHangfireJobThatDeliversIt()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        Guid tenant = await database.CreateTenantAsync();
        // 150 rows: two batches of the dispatcher, each recorded by one statement.
        var expectedQueues = new Dictionary<Guid, string>();
        for (int i = 0; i < 150; i++)
        {
            (Guid id, string backend, long memory) = (Guid.CreateVersion7(), i % 2 == 0 ? "libtorch-cpu" : "libtorch-cuda", (1L + (i % 3)) << 30);
            expectedQueues[id] = HangfireQueues.For(backend, memory);
            await database.ScalarAsync<object>(
                "INSERT INTO job (id, tenant_id, kind, spec, backend, required_memory_bytes, priority, max_attempts, scheduled_at) VALUES (@id, @tenant, 'train.lora', '{}', @backend, @memory, 2, 5, now())",
                ("id", id), ("tenant", tenant), ("backend", backend), ("memory", memory));
        }

        Assert.Equal(150, await Dispatcher(database).DispatchPendingAsync(CancellationToken.None));

        // The Hangfire job a row names carries that row's ID as its argument and sits on that row's queue.
        foreach ((Guid id, string queue) in expectedQueues)
        {
            Assert.Equal(queue, await HangfireQueueAsync(database, id));
            string? arguments = await database.ScalarAsync<string>(
                "SELECT h.arguments::text FROM job j JOIN hangfire.job h ON h.id::text = j.hangfire_job_id WHERE j.id = @id", ("id", id));
            Assert.Contains(id.ToString(), arguments, StringComparison.Ordinal);
        }
        Assert.Equal(150, await database.ScalarAsync<long>("SELECT count(DISTINCT hangfire_job_id) FROM job"));
    }

    [Fact]
    public async Task DispatchPendingAsync_CrashAfterHangfireInsertBeforeCommit_SecondDeliveryRunsNothing()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        JobDispatcher dispatcher = Dispatcher(database);
        // The crash: Hangfire got the job, our row never recorded it (its transaction rolled back with the process).
        await dispatcher.DispatchAsync(job.Id, CancellationToken.None);
        await database.ScalarAsync<object>("UPDATE job SET hangfire_job_id = NULL WHERE id = @id", ("id", job.Id));

        await dispatcher.DispatchPendingAsync(CancellationToken.None);
        long deliveries = await database.ScalarAsync<long>(
            "SELECT count(*) FROM hangfire.job WHERE arguments::text LIKE '%' || @id || '%'", ("id", job.Id.ToString()));
        JobClaim first = await queue.Queue.ClaimAsync(job.Id, queue.Worker("first"), CancellationToken.None);
        JobClaim second = await queue.Queue.ClaimAsync(job.Id, queue.Worker("second"), CancellationToken.None);

        Assert.Equal(2, deliveries);
        Assert.Equal(JobClaimOutcome.Claimed, first.Outcome);
        Assert.Equal(JobClaimOutcome.HeldElsewhere, second.Outcome);
        Assert.Equal(1, (await queue.GetAsync(job.Id)).Attempt);
    }

    [Fact]
    public async Task DispatchPendingAsync_CrashBeforeHandOver_TheSweepHandsItOver()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        // Committed, then the process died before its dispatcher ran: the row is the outbox entry.
        Job job = await queue.EnqueueAsync();

        await Dispatcher(database).DispatchPendingAsync(CancellationToken.None);

        Assert.Equal("Enqueued", await HangfireStateAsync(database, job.Id));
    }

    [Fact]
    public async Task ClaimAsync_DeliveryAfterTheWorkerDied_TakesOverFromTheCheckpointAndFencesTheOldAttempt()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        JobLease dead = (await queue.Queue.ClaimAsync(job.Id, queue.Worker("dead"), CancellationToken.None)).Lease!;
        await queue.Queue.SaveCheckpointAsync(dead, 4, null, "{}", CancellationToken.None);

        JobClaim early = await queue.Queue.ClaimAsync(job.Id, queue.Worker("early"), CancellationToken.None);
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        JobClaim takeover = await queue.Queue.ClaimAsync(job.Id, queue.Worker("next"), CancellationToken.None);

        Assert.Equal(JobClaimOutcome.HeldElsewhere, early.Outcome);
        Assert.Equal(JobClaimOutcome.Claimed, takeover.Outcome);
        Assert.Equal(2, takeover.Lease!.Attempt);
        Assert.Equal(4, takeover.Lease.ResumeFrom?.Step);
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.AppendEventAsync(dead, "step", "{}", CancellationToken.None));
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.SaveCheckpointAsync(dead, 6, null, "{}", CancellationToken.None));
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.CompleteAsync(dead, null, CancellationToken.None));
        Assert.Equal(LeaseStatus.Lost, await queue.Queue.HeartbeatAsync(dead, null, CancellationToken.None));
    }

    [Fact]
    public async Task ClaimAsync_DeliveryOfAFinishedOrCancelledJob_DoesNothing()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        await queue.Queue.RequestCancelAsync(queue.TenantId, job.Id, CancellationToken.None);

        JobClaim late = await queue.Queue.ClaimAsync(job.Id, queue.Worker(), CancellationToken.None);

        Assert.Equal(JobClaimOutcome.Finished, late.Outcome);
        Assert.Equal(JobState.Cancelled, (await queue.GetAsync(job.Id)).State);
    }

    private static JobDispatcher Dispatcher(TestDatabase database)
    {
        PostgreSqlStorage storage = HangfireSetup.CreateStorage(database.DataSource, new HangfireOptions());
        return new JobDispatcher(database.DataSource, storage, HangfireSetup.CreateFilters(RetryPolicy.Default));
    }

    private static Task<string?> HangfireStateAsync(TestDatabase database, Guid jobId)
    {
        return database.ScalarAsync<string>(
            "SELECT h.statename FROM job j JOIN hangfire.job h ON h.id::text = j.hangfire_job_id WHERE j.id = @id", ("id", jobId));
    }

    private static Task<string?> HangfireQueueAsync(TestDatabase database, Guid jobId)
    {
        return database.ScalarAsync<string>(
            "SELECT q.queue FROM job j JOIN hangfire.jobqueue q ON q.jobid::text = j.hangfire_job_id WHERE j.id = @id", ("id", jobId));
    }
}
