using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

public sealed class JobRunnerSlotsTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoSlots_RunTwoJobsAtOnce()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        Job first = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 3));
        Job second = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 3));
        CancellationToken timeout = WorkerTestContext.Timeout();
        using var gate = new GatedBackend(pauseAtStep: 2);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A", gate, slots: 2);

        // One job holds the gate at step 2; with a single slot the other could never finish before it opens.
        await gate.Paused.WaitAsync(timeout);
        JobOutcome finishedWhileOtherPaused = await worker.Signals.WaitForOutcomeAsync(_ => true, timeout);
        gate.Open();
        JobOutcome[] outcomes = await Task.WhenAll(worker.Signals.WaitForOutcomeAsync(first.Id, timeout), worker.Signals.WaitForOutcomeAsync(second.Id, timeout));

        Assert.Equal(JobOutcomeKind.Succeeded, finishedWhileOtherPaused.Kind);
        Assert.All(outcomes, outcome => Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind));
        Assert.Equal(JobState.Succeeded, (await context.GetJobAsync(first.Id)).State);
        Assert.Equal(JobState.Succeeded, (await context.GetJobAsync(second.Id)).State);
    }
}
