using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

public sealed class JobRunnerPlacementTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_LeavesAJobNeedingMoreThanItsMemory_AndRunsTheNextOne()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        // The big job comes first in claim order, so only its memory can keep the worker from taking it.
        Job big = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 1), requiredMemoryBytes: 8L << 30, priority: 1);
        Job small = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 1), requiredMemoryBytes: 1L << 30, priority: 2);
        CancellationToken timeout = WorkerTestContext.Timeout();
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A", memoryBytes: 4L << 30);

        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(small.Id, timeout);
        await worker.StopAsync();

        Assert.Equal(4L << 30, worker.Runner.Capabilities.MemoryBytes);
        Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind);
        Job waiting = await context.GetJobAsync(big.Id);
        Assert.Equal(JobState.Queued, waiting.State);
        Assert.Equal(0, waiting.Attempt);
    }
}
