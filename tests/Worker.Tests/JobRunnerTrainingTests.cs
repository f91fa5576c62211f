using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

public sealed class JobRunnerTrainingTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_AlpacaJob_SucceedsWithConsecutiveStepEventsAndStoredOutputs()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        Job job = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 4, saveEvery: 2), dataset);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A");

        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(job.Id, WorkerTestContext.Timeout());

        Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind);
        Job finished = await context.GetJobAsync(job.Id);
        Assert.Equal(JobState.Succeeded, finished.State);
        IReadOnlyList<JobEvent> events = await context.EventsAsync(job.Id);
        Assert.Equal(Enumerable.Range(1, events.Count).Select(i => (long)i), events.Select(e => e.Seq));
        Assert.Equal("status", events[0].Type);
        Assert.Equal("completed", events[^1].Type);
        List<JsonElement> steps = await context.PayloadsAsync(job.Id, "step");
        Assert.Equal([1L, 2L, 3L, 4L], steps.Select(s => s.GetProperty("step").GetInt64()));
        Assert.All(steps, s =>
        {
            Assert.True(s.GetProperty("loss").GetDouble() > 0);
            Assert.True(s.GetProperty("lr").GetDouble() > 0);
            Assert.True(s.GetProperty("tokens_per_second").GetDouble() > 0);
            Assert.Equal(JsonValueKind.Null, s.GetProperty("epsilon").ValueKind);
        });
        JsonElement checkpoint = Assert.Single(await context.PayloadsAsync(job.Id, "checkpoint"));
        Assert.Equal(2, checkpoint.GetProperty("step").GetInt64());
        Assert.Equal("checkpoint-a.tar", checkpoint.GetProperty("artifact").GetString());

        JsonElement completed = Assert.Single(await context.PayloadsAsync(job.Id, "completed"));
        Assert.Equal(4, completed.GetProperty("result").GetProperty("steps").GetInt64());
        Assert.Equal("max_steps", completed.GetProperty("result").GetProperty("stop_reason").GetString());
        using JsonDocument result = JsonDocument.Parse(finished.Result!);
        Assert.Equal(4, result.RootElement.GetProperty("loss_history").GetArrayLength());
        foreach (string name in new[] { "adapter_model.safetensors", "adapter_config.json", "result.json", "training_log.jsonl" })
        {
            Artifact artifact = await context.Artifacts.GetAsync(context.TenantId, job.Id, name, CancellationToken.None)
                ?? throw new InvalidOperationException($"{name} was not stored");
            byte[] content = await context.ReadArtifactAsync(job.Id, name);
            Assert.Equal(ArtifactKind.Output, artifact.Kind);
            Assert.Equal(SHA256.HashData(content), artifact.Sha256);
            Assert.Equal(content.Length, artifact.SizeBytes);
        }
        string log = System.Text.Encoding.UTF8.GetString(await context.ReadArtifactAsync(job.Id, "training_log.jsonl"));
        Assert.Equal(4, log.Split('\n').Count(line => line.Contains("\"type\":\"step\"", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task RunAsync_DpJob_ReportsNormsAndPublishesNoSeed()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        JsonObject spec = WorkerTestContext.Spec(dataset, steps: 3, saveEvery: 2);
        spec["privacy"] = new JsonObject { ["noise_multiplier"] = 1.0, ["expected_batch_size"] = 4, ["delta"] = 1e-5 };
        Job job = await context.EnqueueAsync(spec, dataset);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A");

        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(job.Id, WorkerTestContext.Timeout());

        Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind);
        List<JsonElement> steps = await context.PayloadsAsync(job.Id, "step");
        Assert.Equal(3, steps.Count);
        Assert.All(steps, s =>
        {
            // A real figure (or null for an empty Poisson batch), never the string "NaN".
            JsonValueKind norm = s.GetProperty("grad_norm").ValueKind;
            Assert.Contains(norm, new[] { JsonValueKind.Number, JsonValueKind.Null });
            Assert.Equal(norm, s.GetProperty("clipped_fraction").ValueKind);
        });
        Assert.Contains(steps, s => s.GetProperty("grad_norm").ValueKind == JsonValueKind.Number && s.GetProperty("grad_norm").GetDouble() > 0);
        // The seeds came from the OS CSPRNG: no event, no job field and no downloadable output may carry them.
        JsonElement privacy = Assert.Single(await context.PayloadsAsync(job.Id, "completed")).GetProperty("result").GetProperty("privacy");
        Assert.Equal("os_csprng", privacy.GetProperty("seed_source").GetString());
        Assert.Equal(JsonValueKind.Null, privacy.GetProperty("seed").ValueKind);
        Job finished = await context.GetJobAsync(job.Id);
        var published = new List<string> { finished.Result!, finished.Progress ?? "" };
        published.AddRange((await context.EventsAsync(job.Id)).Select(e => e.Payload));
        foreach (string name in new[] { "adapter_config.json", "result.json", "privacy.json", "training_log.jsonl" })
        {
            published.Add(System.Text.Encoding.UTF8.GetString(await context.ReadArtifactAsync(job.Id, name)));
        }
        Assert.All(published, text =>
        {
            Assert.DoesNotContain("noise_seed", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("sampler_seed", text, StringComparison.OrdinalIgnoreCase);
        });
    }

    [Fact]
    public async Task Cancel_WhileTraining_StopsAtTheNextStepAsCancelled()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        Job job = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 50), dataset);
        using var gate = new GatedBackend(pauseAtStep: 2);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A", gate, heartbeatInterval: TimeSpan.FromMinutes(10));
        CancellationToken timeout = WorkerTestContext.Timeout();
        await gate.Paused.WaitAsync(timeout);

        Assert.Equal(JobState.Cancelling, await context.Queue.RequestCancelAsync(context.TenantId, job.Id, timeout));
        // The job_cancel notification makes the worker heartbeat at once, long before its 10-minute interval.
        await worker.Signals.WaitForEventAsync(e => e.JobId == job.Id && e.Type == "status" && e.Payload.Contains("cancelling", StringComparison.Ordinal), timeout);
        gate.Open();
        // A client reacting to the cancelled event reads the job at once: the row must already say cancelled (issue 13:
        // the event was committed before the row, which a reader then saw still cancelling).
        await worker.Signals.WaitForEventAsync(e => e.JobId == job.Id && e.Type == "status" && e.Payload.Contains("\"cancelled\"", StringComparison.Ordinal), timeout);
        JobState seenByTheClient = (await context.GetJobAsync(job.Id)).State;
        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(job.Id, timeout);

        Assert.Equal(JobState.Cancelled, seenByTheClient);
        Assert.Equal(JobOutcomeKind.Cancelled, outcome.Kind);
        Assert.Equal(JobState.Cancelled, (await context.GetJobAsync(job.Id)).State);
        List<JsonElement> steps = await context.PayloadsAsync(job.Id, "step");
        Assert.Equal([1L, 2L], steps.Select(s => s.GetProperty("step").GetInt64()));
        JsonElement cancelled = (await context.PayloadsAsync(job.Id, "status")).Last();
        Assert.Equal("cancelled", cancelled.GetProperty("status").GetString());
        Assert.Equal(2, cancelled.GetProperty("step").GetInt64());
        Assert.Empty(await context.PayloadsAsync(job.Id, "completed"));
        Assert.Equal("Deleted", await context.HangfireStateAsync(job.Id));
    }
}
