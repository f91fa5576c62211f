using System.Globalization;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;
using Hangfire;
using Hangfire.PostgreSql;
using Hangfire.States;
using Npgsql;

namespace FineTune.Persistence.Tests;

/// <summary>
/// The dispatcher's batched hand-over against real Postgres and Hangfire.PostgreSql's tables: it must leave exactly
/// what Hangfire's own client leaves for the same job, and wake listening workers once per batch, not once per job.
/// </summary>
public sealed class HangfireBatchEnqueuerTests
{
    [Fact]
    public async Task Enqueue_LeavesWhatHangfiresClientLeavesForTheSameJob()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        PostgreSqlStorage storage = HangfireSetup.CreateStorage(database.DataSource, new HangfireOptions());
        var filters = HangfireSetup.CreateFilters(RetryPolicy.Default);
        Guid byClient = Guid.CreateVersion7();
        Guid byBatch = Guid.CreateVersion7();

        string clientJobId = new BackgroundJobClient(storage, filters).Create<IJobExecution>(
            execution => execution.RunAsync(byClient, null, CancellationToken.None), new EnqueuedState("cuda_20g"));
        string batchJobId = new HangfireBatchEnqueuer(storage, filters).Enqueue([(byBatch, "cuda_20g")]).Single();

        string? clientShape = await ShapeAsync(database, clientJobId);
        Assert.NotNull(clientShape);
        Assert.Equal(clientShape, await ShapeAsync(database, batchJobId));
        Assert.True(await ArgumentsNameAsync(database, batchJobId, byBatch));
    }

    [Fact]
    public async Task Enqueue_ABatch_PutsEachJobOnItsQueueInOrder()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        HangfireBatchEnqueuer enqueuer = Enqueuer(database);
        (Guid Id, string Queue)[] jobs = [(Guid.CreateVersion7(), "cpu"), (Guid.CreateVersion7(), "cuda_20g"), (Guid.CreateVersion7(), "cpu")];

        string[] hangfireJobIds = enqueuer.Enqueue(jobs);

        Assert.Equal(3, hangfireJobIds.Distinct().Count());
        for (int i = 0; i < jobs.Length; i++)
        {
            Assert.Equal(jobs[i].Queue, await database.ScalarAsync<string>(
                "SELECT queue FROM hangfire.jobqueue WHERE jobid = @id", ("id", HangfireId(hangfireJobIds[i]))));
            Assert.True(await ArgumentsNameAsync(database, hangfireJobIds[i], jobs[i].Id));
        }
    }

    [Fact]
    public async Task Enqueue_ABatch_WakesListeningWorkersOnce()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        HangfireBatchEnqueuer enqueuer = Enqueuer(database);
        // What Hangfire.PostgreSql's long polling listens to.
        await using NpgsqlConnection listener = await database.DataSource.OpenConnectionAsync();
        int notifications = 0;
        listener.Notification += (_, _) => notifications++;
        await using (var listen = new NpgsqlCommand("LISTEN new_job", listener))
        {
            await listen.ExecuteNonQueryAsync();
        }

        enqueuer.Enqueue(Enumerable.Range(0, 5).Select(_ => (Guid.CreateVersion7(), "cpu")).ToList());

        while (await listener.WaitAsync(TimeSpan.FromMilliseconds(500)))
        {
        }
        Assert.Equal(1, notifications);
        Assert.Equal(5L, await database.ScalarAsync<long>("SELECT count(*) FROM hangfire.jobqueue"));
    }

    [Fact]
    public async Task Enqueue_NoJobs_WritesNothing()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: true);
        HangfireBatchEnqueuer enqueuer = Enqueuer(database);

        Assert.Empty(enqueuer.Enqueue([]));
        Assert.Equal(0L, await database.ScalarAsync<long>("SELECT count(*) FROM hangfire.job"));
    }

    private static HangfireBatchEnqueuer Enqueuer(TestDatabase database)
    {
        return new HangfireBatchEnqueuer(
            HangfireSetup.CreateStorage(database.DataSource, new HangfireOptions()), HangfireSetup.CreateFilters(RetryPolicy.Default));
    }

    // Everything about a Hangfire job but its ID, arguments and times: method, state, queue, expiry, history, parameters.
    private static Task<string?> ShapeAsync(TestDatabase database, string hangfireJobId)
    {
        return database.ScalarAsync<string>(
            """
            SELECT concat_ws(' | ', (h.invocationdata::jsonb - 'Arguments')::text, h.statename, h.expireat IS NULL,
                (SELECT string_agg(concat_ws(':', s.name, s.reason, (s.data::jsonb - 'EnqueuedAt')::text), ',' ORDER BY s.id)
                 FROM hangfire.state s WHERE s.jobid = h.id),
                (SELECT coalesce(string_agg(p.name, ',' ORDER BY p.name), '') FROM hangfire.jobparameter p WHERE p.jobid = h.id),
                (SELECT q.queue FROM hangfire.jobqueue q WHERE q.jobid = h.id))
            FROM hangfire.job h WHERE h.id = @id
            """,
            ("id", HangfireId(hangfireJobId)));
    }

    private static async Task<bool> ArgumentsNameAsync(TestDatabase database, string hangfireJobId, Guid jobId)
    {
        string? arguments = await database.ScalarAsync<string>("SELECT arguments::text FROM hangfire.job WHERE id = @id", ("id", HangfireId(hangfireJobId)));
        return arguments is not null && arguments.Contains(jobId.ToString(), StringComparison.Ordinal);
    }

    private static long HangfireId(string hangfireJobId)
    {
        return long.Parse(hangfireJobId, CultureInfo.InvariantCulture);
    }
}
