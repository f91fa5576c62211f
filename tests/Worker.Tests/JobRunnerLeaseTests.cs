using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

public sealed class JobRunnerLeaseTests(ITestOutputHelper output)
{
    [Fact]
    public async Task TwoWorkers_RacingForSeveralJobs_RunEachJobExactlyOnce()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        var jobs = new List<Job>();
        for (int i = 0; i < 6; i++)
        {
            jobs.Add(await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 2)));
        }
        await using WorkerHost a = await WorkerHost.StartAsync(context, "A");
        await using WorkerHost b = await WorkerHost.StartAsync(context, "B");
        CancellationToken timeout = WorkerTestContext.Timeout();

        JobOutcome[] outcomes = await Task.WhenAll(jobs.Select(async job =>
            await await Task.WhenAny(a.Signals.WaitForOutcomeAsync(job.Id, timeout), b.Signals.WaitForOutcomeAsync(job.Id, timeout))));

        Assert.All(outcomes, outcome => Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind));
        foreach (Job job in jobs)
        {
            Job finished = await context.GetJobAsync(job.Id);
            Assert.Equal(JobState.Succeeded, finished.State);
            Assert.Equal(1, finished.Attempt);
            Assert.Single(await context.PayloadsAsync(job.Id, "status"));
            Assert.Equal([1L, 2L], (await context.PayloadsAsync(job.Id, "step")).Select(s => s.GetProperty("step").GetInt64()));
        }
        string[] workers = await Task.WhenAll(jobs.Select(async job => (await context.PayloadsAsync(job.Id, "status"))[0].GetProperty("worker_id").GetString()!));
        output.WriteLine($"jobs per worker: {string.Join(", ", workers.GroupBy(w => w).Select(g => $"{g.Key}={g.Count()}"))}");
        Assert.All(workers, worker => Assert.Contains(worker, new[] { a.Runner.Capabilities.WorkerId, b.Runner.Capabilities.WorkerId }));
    }

    [Fact]
    public async Task KilledWorker_ItsJobResumesFromTheLastCheckpointOnAnotherWorker_AndItsFolderIsCleaned()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        context.QueueOptions.LeaseDuration = TimeSpan.FromSeconds(3);
        context.InvisibilityTimeout = TimeSpan.FromSeconds(3);
        Guid dataset = await context.UploadAlpacaAsync();
        JsonObject spec = WorkerTestContext.Spec(dataset, steps: 24, saveEvery: 2);
        Job job = await context.EnqueueAsync(spec);
        CancellationToken timeout = WorkerTestContext.Timeout();
        using (WorkerProcess killed = WorkerProcess.Start(context, "killed"))
        {
            await context.WaitForCheckpointAsync(job.Id, timeout);
            await killed.KillAsync();
        }
        Job afterKill = await context.GetJobAsync(job.Id);
        Assert.Equal(JobState.Running, afterKill.State);
        Assert.Single(Directory.GetDirectories(context.WorkDir, $"{job.Id:N}-a1-*"));

        // Hangfire delivers the job again once the dead server's invisibility timeout passes; the delivery finds the
        // attempt's lease expired and takes the job over.
        await using WorkerHost b = await WorkerHost.StartAsync(context, "B", realClock: true);
        JobOutcome resumed = await b.Signals.WaitForOutcomeAsync(job.Id, timeout);

        Assert.Equal(JobOutcomeKind.Succeeded, resumed.Kind);
        Assert.Equal(2, resumed.Attempt);
        Assert.Empty(Directory.GetDirectories(context.WorkDir, $"{job.Id:N}-a1-*"));
        IReadOnlyList<JobEvent> events = await context.EventsAsync(job.Id);
        long resumedFrom = Payload(Assert.Single(events, e => e.Attempt == 2 && e.Type == "status")).GetProperty("resumed_from_step").GetInt64();
        Assert.True(resumedFrom >= 2, $"resumed from step {resumedFrom}");
        Assert.Equal(Enumerable.Range((int)resumedFrom + 1, 24 - (int)resumedFrom).Select(i => (long)i), events.Where(e => e.Attempt == 2 && e.Type == "step").Select(StepOf));
        string log = Encoding.UTF8.GetString(await context.ReadArtifactAsync(job.Id, "training_log.jsonl"));
        Assert.Equal(Enumerable.Range(1, 24).Select(i => (long)i), StepsInLog(log));

        // The same spec run without interruption ends with the same losses and the same adapter, bit for bit.
        Job uninterrupted = await context.EnqueueAsync(spec);
        Assert.Equal(JobOutcomeKind.Succeeded, (await b.Signals.WaitForOutcomeAsync(uninterrupted.Id, timeout)).Kind);
        Assert.Equal(LossHistory(await context.GetJobAsync(uninterrupted.Id)), LossHistory(await context.GetJobAsync(job.Id)));
        Assert.Equal(
            SHA256.HashData(await context.ReadArtifactAsync(uninterrupted.Id, "adapter_model.safetensors")),
            SHA256.HashData(await context.ReadArtifactAsync(job.Id, "adapter_model.safetensors")));
    }

    [Fact]
    public async Task GracefulShutdown_ReleasesTheLeaseUncharged_AndTheNextWorkerResumes()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        Job job = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 6, saveEvery: 2));
        CancellationToken timeout = WorkerTestContext.Timeout();
        using var gate = new GatedBackend(pauseAtStep: 3);
        await using WorkerHost a = await WorkerHost.StartAsync(context, "A", gate);
        await a.Signals.WaitForEventAsync(e => e.JobId == job.Id && e.Type == "step" && StepOf(e) == 3, timeout);

        // The gate stays shut: only the worker's own stop can end the pause, as it would end a real step.
        await a.StopAsync();
        JobOutcome released = await a.Signals.WaitForOutcomeAsync(job.Id, timeout);
        Job afterStop = await context.GetJobAsync(job.Id);

        Assert.Equal(JobOutcomeKind.Released, released.Kind);
        Assert.Equal(JobState.Retryable, afterStop.State);
        Assert.Null(afterStop.LeaseExpiresAt);
        Assert.Equal(1, afterStop.Attempt);
        Assert.Equal(job.MaxAttempts + 1, afterStop.MaxAttempts);
        Assert.Equal("[]", afterStop.Errors.Replace(" ", "", StringComparison.Ordinal));
        JsonElement status = (await context.PayloadsAsync(job.Id, "status")).Last();
        Assert.Equal("released", status.GetProperty("status").GetString());
        Assert.Equal(3, status.GetProperty("step").GetInt64());
        // The stopping trainer checkpoints its progress, so nothing since the periodic checkpoint (step 2) is redone.
        Assert.Equal(3, status.GetProperty("checkpoint_step").GetInt64());

        await using WorkerHost b = await WorkerHost.StartAsync(context, "B");
        JobOutcome resumed = await b.Signals.WaitForOutcomeAsync(job.Id, timeout);

        Assert.Equal(JobOutcomeKind.Succeeded, resumed.Kind);
        IReadOnlyList<JobEvent> events = await context.EventsAsync(job.Id);
        Assert.Equal(4, StepOf(events.First(e => e.Attempt == 2 && e.Type == "step")));
    }

    private static JsonElement Payload(JobEvent e)
    {
        return JsonDocument.Parse(e.Payload).RootElement.Clone();
    }

    private static long StepOf(JobEvent e)
    {
        return Payload(e).GetProperty("step").GetInt64();
    }

    private static long StepOf(AppendedEvent e)
    {
        return JsonDocument.Parse(e.Payload).RootElement.GetProperty("step").GetInt64();
    }

    private static IEnumerable<long> StepsInLog(string log)
    {
        return log.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => JsonDocument.Parse(line).RootElement.Clone())
            .Where(line => line.GetProperty("type").GetString() == "step")
            .Select(line => line.GetProperty("step").GetInt64());
    }

    private static double[] LossHistory(Job job)
    {
        using JsonDocument result = JsonDocument.Parse(job.Result!);
        return result.RootElement.GetProperty("loss_history").EnumerateArray().Select(loss => loss.GetDouble()).ToArray();
    }
}
