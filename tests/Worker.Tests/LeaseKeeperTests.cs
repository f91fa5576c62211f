using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Worker.Execution;
using FineTune.Worker.Tests.Infrastructure;
using Microsoft.Extensions.Logging.Abstractions;

namespace FineTune.Worker.Tests;

/// <summary>The heartbeat loop of an attempt, against a real leased job in Postgres.</summary>
public sealed class LeaseKeeperTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Start_BeatsAtOnce_SoAPauseRequestedBeforeItIsSeenWithoutWaitingAnInterval()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        Job job = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 6), dataset);
        CancellationToken timeout = WorkerTestContext.Timeout();
        JobQueue queue = context.Queue;
        JobLease lease = (await queue.ClaimAsync(job.Id, new WorkerCapabilities("keeper-test", "host", ["libtorch-cpu"], 1L << 40), timeout)).Lease!;
        // Requested after the claim, before anyone listens for job_cancel: its notification reaches nobody, as when a
        // pause lands between a worker's claim and its handler's subscription.
        Assert.NotNull(await queue.RequestPauseAsync(context.TenantId, job.Id, timeout));
        using var session = new LeaseSession(lease, queue, new JobSignals(), NullLogger.Instance);
        // A 10-minute interval: only a beat at start can see the request within the test.
        using var keeper = new LeaseKeeper(session, queue, TimeSpan.FromMinutes(10), NullLogger.Instance);

        keeper.Start();
        var waited = System.Diagnostics.Stopwatch.StartNew();
        while (!session.PauseRequested && waited.Elapsed < TimeSpan.FromSeconds(20))
        {
            await Task.Delay(50, timeout);
        }
        await keeper.StopAsync();

        Assert.True(session.PauseRequested, "the pause was not seen within 20 s");
        Assert.True(session.StopToken.IsCancellationRequested, "a seen pause stops the trainer");
    }
}
