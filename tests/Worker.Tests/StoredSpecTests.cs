using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Jobs;
using FineTune.Persistence.Entities;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

/// <summary>
/// The worker reads the spec the API stored resolved (<see cref="JobSpecJson"/>) without parsing it again, and still
/// runs a job stored before that form (the client's JSON), parsing it as before: both train the same run.
/// </summary>
public sealed class StoredSpecTests(ITestOutputHelper output)
{
    [Fact]
    public async Task ResolvedAndRawForms_OfOneSpec_TrainTheSameRun()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        JsonObject client = WorkerTestContext.Spec(dataset, steps: 2);
        Job raw = await context.EnqueueAsync(client, dataset);
        Job resolved = await context.EnqueueAsync(Resolved(client), dataset);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A");

        JobOutcome rawOutcome = await worker.Signals.WaitForOutcomeAsync(raw.Id, WorkerTestContext.Timeout());
        JobOutcome resolvedOutcome = await worker.Signals.WaitForOutcomeAsync(resolved.Id, WorkerTestContext.Timeout());

        Assert.Equal(JobOutcomeKind.Succeeded, rawOutcome.Kind);
        Assert.Equal(JobOutcomeKind.Succeeded, resolvedOutcome.Kind);
        Assert.Equal(await LossesAsync(context, raw.Id), await LossesAsync(context, resolved.Id));
        Assert.Equal(2, (await LossesAsync(context, resolved.Id)).Count);
    }

    [Fact]
    public async Task ResolvedForm_OfAnotherVersion_FailsPermanentlyNamingIt()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        JsonObject stored = Resolved(WorkerTestContext.Spec(dataset, steps: 2));
        stored[JobSpecJson.VersionField] = JobSpecJson.Version + 1;
        Job job = await context.EnqueueAsync(stored, dataset);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A");

        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(job.Id, WorkerTestContext.Timeout());

        Assert.Equal(JobOutcomeKind.Failed, outcome.Kind);
        Assert.Contains(JobSpecJson.VersionField, (await context.GetJobAsync(job.Id)).Error, StringComparison.Ordinal);
    }

    // What the API stores for this client spec.
    private static JsonObject Resolved(JsonObject client)
    {
        using JsonDocument document = JsonDocument.Parse(client.ToJsonString());
        (JobSpec? spec, IReadOnlyList<JobSpecError> errors) = JobSpecParser.Parse(document.RootElement);
        Assert.Empty(errors);
        return JsonNode.Parse(JobSpecJson.Write(spec!))!.AsObject();
    }

    private static async Task<List<double>> LossesAsync(WorkerTestContext context, Guid job)
    {
        return (await context.PayloadsAsync(job, "step")).Select(step => step.GetProperty("loss").GetDouble()).ToList();
    }
}
