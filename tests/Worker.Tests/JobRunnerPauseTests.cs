using System.Text.Json;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Worker.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Worker.Tests;

/// <summary>
/// Pause and resume with real training under a real Hangfire worker on real Postgres: a running job paused at a known
/// step stores a checkpoint of that step and stops; resumed, it is handed to Hangfire anew and finishes with the steps
/// after the checkpoint, none missing and none repeated.
/// </summary>
public sealed class JobRunnerPauseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Pause_WhileTraining_StopsAfterACheckpoint_AndResumeContinuesRightAfterIt()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        Job job = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 6, saveEvery: 2), dataset);
        using var gate = new GatedBackend(pauseAtStep: 3);
        // A 10-minute heartbeat: only the job_cancel notification can make the worker see the pause in time.
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A", gate, heartbeatInterval: TimeSpan.FromMinutes(10));
        JobDispatcher dispatcher = worker.Services.GetRequiredService<JobDispatcher>();
        CancellationToken timeout = WorkerTestContext.Timeout();
        await gate.Paused.WaitAsync(timeout);

        JobControl? requested = await dispatcher.PauseAsync(context.Queue, context.TenantId, job.Id, timeout);
        Assert.Equal(new JobControl(JobState.Running, Accepted: true), requested);
        Assert.Equal("pausing", (await context.GetJobAsync(job.Id)).ToApiStatus());
        // The pause stops the gated step like a real one: the trainer stops before step 4 and checkpoints step 3.
        JobOutcome paused = await worker.Signals.WaitForOutcomeAsync(job.Id, timeout);

        Job afterPause = await context.GetJobAsync(job.Id);
        Assert.Equal(JobOutcomeKind.Paused, paused.Kind);
        Assert.Equal(JobState.Paused, afterPause.State);
        Assert.Equal("paused", afterPause.ToApiStatus());
        Assert.Null(afterPause.LeaseExpiresAt);
        Assert.Null(afterPause.PauseRequestedAt);
        Assert.Equal(job.MaxAttempts + 1, afterPause.MaxAttempts);
        Assert.Equal("Deleted", await context.HangfireStateAsync(job.Id));
        Assert.Equal([1L, 2L, 3L], (await context.PayloadsAsync(job.Id, "step")).Select(StepOf));
        Assert.Equal([2L, 3L], (await context.PayloadsAsync(job.Id, "checkpoint")).Select(StepOf));
        List<string?> statuses = (await context.PayloadsAsync(job.Id, "status")).Select(s => s.GetProperty("status").GetString()).ToList();
        Assert.Equal(["running", "pausing", "paused"], statuses);
        JsonElement pausedEvent = (await context.PayloadsAsync(job.Id, "status")).Last();
        Assert.Equal(3, pausedEvent.GetProperty("step").GetInt64());
        Assert.Equal(3, pausedEvent.GetProperty("checkpoint_step").GetInt64());
        Assert.Empty(await context.PayloadsAsync(job.Id, "completed"));

        JobControl? resumed = await dispatcher.ResumeAsync(context.Queue, context.TenantId, job.Id, timeout);
        Assert.Equal(new JobControl(JobState.Queued, Accepted: true), resumed);
        JobOutcome finished = await worker.Signals.WaitForOutcomeAsync(outcome => outcome.JobId == job.Id && outcome.Attempt == 2, timeout);

        Assert.Equal(JobOutcomeKind.Succeeded, finished.Kind);
        Assert.Equal(JobState.Succeeded, (await context.GetJobAsync(job.Id)).State);
        IReadOnlyList<JobEvent> events = await context.EventsAsync(job.Id);
        // Steps 1-3 by the first attempt, 4-6 by the second: no gap, and nothing after the checkpoint redone.
        Assert.Equal([(1, 1L), (1, 2L), (1, 3L), (2, 4L), (2, 5L), (2, 6L)], events.Where(e => e.Type == "step").Select(e => (e.Attempt, StepOf(Payload(e)))));
        JsonElement running = events.Where(e => e.Type == "status").Select(Payload).Last(p => p.GetProperty("status").GetString() == "running");
        Assert.Equal(3, running.GetProperty("resumed_from_step").GetInt64());
        Assert.Equal(["running", "pausing", "paused", "resumed", "running"], events.Where(e => e.Type == "status").Select(e => Payload(e).GetProperty("status").GetString()));
    }

    private static JsonElement Payload(JobEvent e)
    {
        return JsonDocument.Parse(e.Payload).RootElement.Clone();
    }

    private static long StepOf(JsonElement payload)
    {
        return payload.GetProperty("step").GetInt64();
    }
}
