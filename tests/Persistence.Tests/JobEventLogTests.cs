using FineTune.Persistence.Entities;
using FineTune.Persistence.Events;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class JobEventLogTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private readonly JobEventLog _log = new(database.DataSource);

    [Fact]
    public async Task AppendEventAsync_ConcurrentAppends_GetConsecutiveSeqsWithoutGaps()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();

        long[] seqs = await Task.WhenAll(Enumerable.Range(0, 40).Select(i =>
            queue.Queue.AppendEventAsync(lease, "step", $$"""{"step": {{i}}}""", CancellationToken.None)));

        Assert.Equal(Enumerable.Range(1, 40).Select(i => (long)i), seqs.Order());
    }

    [Fact]
    public async Task ReadEventsAsync_AfterSeqAndLimit_PagesThroughTheLogInOrder()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        for (int step = 1; step <= 5; step++)
        {
            await queue.Queue.AppendEventAsync(lease, "step", $$"""{"step": {{step}}}""", CancellationToken.None);
        }

        IReadOnlyList<JobEvent> page = await _log.ReadEventsAsync(queue.TenantId, lease.JobId, afterSeq: 2, limit: 2, CancellationToken.None);

        Assert.Equal([3L, 4L], page.Select(e => e.Seq));
        Assert.Equal("""{"step": 3}""", page[0].Payload);
        Assert.Equal("step", page[0].Type);
        Assert.Equal(1, page[0].Attempt);
    }

    [Fact]
    public async Task AppendAsync_ServiceAndWorkerEvents_ShareOneSequence()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();

        long? created = await _log.AppendAsync(queue.TenantId, job.Id, "status", """{"status": "queued"}""", CancellationToken.None);
        JobLease lease = await queue.ClaimAsync(job.Id);
        long step = await queue.Queue.AppendEventAsync(lease, "step", "{}", CancellationToken.None);

        Assert.Equal(1, created);
        Assert.Equal(2, step);
    }

    [Fact]
    public async Task ReadEventsAsync_AnotherTenant_SeesNothing()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        await _log.AppendAsync(queue.TenantId, job.Id, "status", "{}", CancellationToken.None);
        Guid otherTenant = await database.CreateTenantAsync();

        IReadOnlyList<JobEvent> events = await _log.ReadEventsAsync(otherTenant, job.Id, 0, 100, CancellationToken.None);
        long? appended = await _log.AppendAsync(otherTenant, job.Id, "status", "{}", CancellationToken.None);

        Assert.Empty(events);
        Assert.Null(appended);
    }
}
