using System.Text.Json;
using FineTune.Persistence.Entities;
using FineTune.Worker.Tests.Infrastructure;

namespace FineTune.Worker.Tests;

/// <summary>What the worker learns from a backend through typed calls, never from its name or a folder's name.</summary>
public sealed class BackendSeamTests(ITestOutputHelper output)
{
    [Fact]
    public async Task Worker_TakesItsSlotsAndMemoryFromTheDevicesItsBackendReports()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        // Named libtorch-cpu: were the worker still to branch on the CUDA backend's name, it would run one slot.
        var backend = new SeamBackend([new("cuda:0", "big", 80L << 30), new("cuda:1", "small", 24L << 30), new("cuda:2", "mid", 48L << 30)]);

        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A", backend, slots: null);

        Assert.Equal(3, worker.Runner.SlotCount);
        Assert.Equal(24L << 30, worker.Runner.Capabilities.MemoryBytes);
        using JsonDocument details = JsonDocument.Parse(worker.Runner.Capabilities.Details);
        Assert.Equal(["big", "small", "mid"], details.RootElement.GetProperty("gpus").EnumerateArray().Select(gpu => gpu.GetProperty("name").GetString()));
        // The library version comes from the backend too: the worker no longer asks libtorch itself.
        Assert.Equal("9.9.9", details.RootElement.GetProperty("seam-runtime").GetString());
        Assert.False(details.RootElement.TryGetProperty("libtorch", out _));
    }

    [Fact]
    public async Task Checkpoint_InAFolderNotNamedForItsStep_IsStoredAtTheStepTheTrainerReported()
    {
        await using WorkerTestContext context = await WorkerTestContext.CreateAsync(output);
        Guid dataset = await context.UploadAlpacaAsync();
        Job job = await context.EnqueueAsync(WorkerTestContext.Spec(dataset, steps: 4, saveEvery: 2), dataset);
        var backend = new SeamBackend([]);
        await using WorkerHost worker = await WorkerHost.StartAsync(context, "A", backend);

        JobOutcome outcome = await worker.Signals.WaitForOutcomeAsync(job.Id, WorkerTestContext.Timeout());

        Assert.Equal(JobOutcomeKind.Succeeded, outcome.Kind);
        string announced = Assert.Single(backend.AnnouncedFolders);
        Assert.DoesNotMatch(@"^checkpoint-\d+$", Path.GetFileName(announced));
        JsonElement checkpoint = Assert.Single(await context.PayloadsAsync(job.Id, "checkpoint"));
        Assert.Equal(2, checkpoint.GetProperty("step").GetInt64());
        Assert.False(Directory.Exists(announced), "the pump deletes the folder it archived");
    }
}
