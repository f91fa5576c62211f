using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Jobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

public sealed class JobRunnerFailureTests(ITestOutputHelper output)
{
    [Fact]
    public async Task RunAsync_UnknownSpecField_FailsPermanentlyNamingIt()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        JsonObject spec = WorkerTestContext.Spec(dataset, steps: 2);
        spec["hyperparameters"]!["epochs"] = 3;

        (Job job, JobOutcome outcome) = await RunOneAsync(context, spec);

        Assert.Equal(JobOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(1, job.Attempt);
        Assert.Contains("hyperparameters.epochs", job.Error, StringComparison.Ordinal);
        JsonElement failed = Assert.Single(await context.PayloadsAsync(job.Id, "failed"));
        Assert.True(failed.GetProperty("permanent").GetBoolean());
        Assert.False(failed.GetProperty("retrying").GetBoolean());
        Assert.Contains("hyperparameters.epochs", failed.GetProperty("error").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_SpecTheApiWouldRefuse_FailsPermanentlyAfterOneAttempt()
    {
        // A row written around the API (or by an older one): the worker's own validation refuses it, once.
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        JsonObject spec = WorkerTestContext.Spec(dataset, steps: 2);
        spec["hyperparameters"]!["learning_rate"] = 1e300;

        (Job job, JobOutcome outcome) = await RunOneAsync(context, spec);

        Assert.Equal(JobOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Equal(1, job.Attempt);
        Assert.Contains("hyperparameters.learning_rate", job.Error, StringComparison.Ordinal);
        Assert.True(Assert.Single(await context.PayloadsAsync(job.Id, "failed")).GetProperty("permanent").GetBoolean());
    }

    [Fact]
    public async Task RunAsync_BadDatasetRecord_FailsPermanentlyNamingTheLine()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        byte[] bad = Encoding.UTF8.GetBytes("{\"prompt\": \"a\", \"completion\": \"b\"}\n{\"prompt\": \"a\"\n");
        Guid dataset = await context.UploadAsync("bad.jsonl", new MemoryStream(bad));

        (Job job, JobOutcome outcome) = await RunOneAsync(context, WorkerTestContext.Spec(dataset, steps: 2));

        Assert.Equal(JobOutcomeKind.Failed, outcome.Kind);
        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("line 2", job.Error, StringComparison.OrdinalIgnoreCase);
        Assert.Empty(await context.PayloadsAsync(job.Id, "step"));
    }

    [Fact]
    public async Task RunAsync_ModelMissingFromModelsDir_FailsPermanentlyListingTheModels()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        JsonObject spec = WorkerTestContext.Spec(dataset, steps: 2);
        spec["model"] = "no-such-model";

        (Job job, _) = await RunOneAsync(context, spec);

        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("no-such-model", job.Error, StringComparison.Ordinal);
        Assert.Contains(WorkerTestContext.Model, job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_ModelPathOutsideModelsDir_IsRefused()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        JsonObject spec = WorkerTestContext.Spec(dataset, steps: 2);
        spec["model"] = "../models/" + WorkerTestContext.Model;

        (Job job, _) = await RunOneAsync(context, spec);

        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("not a path", job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_MissingDataset_FailsPermanently()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);

        (Job job, _) = await RunOneAsync(context, WorkerTestContext.Spec(Guid.CreateVersion7(), steps: 2));

        Assert.Equal(JobState.Failed, job.State);
        Assert.Contains("training_file", job.Error, StringComparison.Ordinal);
    }

    [Fact]
    public async Task RunAsync_DeviceOutOfMemory_IsRetriedWithTheHint()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        var backend = new ThrowingBackend(() => new DeviceOutOfMemoryException("CUDA out of memory. Tried to allocate 2.00 GiB\nstack trace"));

        (Job job, JobOutcome outcome) = await RunOneAsync(context, WorkerTestContext.Spec(dataset, steps: 2), backend);

        Assert.Equal(JobOutcomeKind.Retrying, outcome.Kind);
        Assert.Equal(JobState.Retryable, job.State);
        Assert.StartsWith(JobErrorCodes.OutOfMemoryPrefix, job.Error, StringComparison.Ordinal);
        Assert.Contains("batch_size", job.Error, StringComparison.Ordinal);
        Assert.DoesNotContain("stack trace", job.Error, StringComparison.Ordinal);
        JsonElement failed = Assert.Single(await context.PayloadsAsync(job.Id, "failed"));
        Assert.False(failed.GetProperty("permanent").GetBoolean());
        Assert.True(failed.GetProperty("retrying").GetBoolean());
        Assert.True(job.ScheduledAt > context.Clock.GetUtcNow(), "a retry waits for its backoff");
    }

    private async Task<(Job Job, JobOutcome Outcome)> RunOneAsync(
        WorkerTestContext context, JsonObject spec, FineTune.Training.Backends.ITrainingBackend? backend = null)
    {
        Job job = await context.EnqueueAsync(spec);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A", backend);
        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(job.Id, WorkerTestContext.Timeout());
        output.WriteLine($"outcome {outcome}");
        return (await context.GetJobAsync(job.Id), outcome);
    }
}
