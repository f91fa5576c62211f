using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;
using FineTune.Persistence.Workers;

namespace FineTune.Persistence.Tests;

public sealed class WorkerRegistryTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private readonly WorkerRegistry _registry = new(database.DataSource);

    [Fact]
    public async Task RegisterAsync_NewWorker_IsListedWithItsCapabilities()
    {
        WorkerCapabilities worker = WorkerCapabilities.ForThisProcess(["libtorch-cuda", "libtorch-cpu"], 80L << 30) with { Details = """{"gpu": "H100"}""" };

        await _registry.RegisterAsync(worker, CancellationToken.None);
        IReadOnlyList<WorkerRegistration> active = await _registry.ListActiveAsync(TimeSpan.FromMinutes(1), CancellationToken.None);

        WorkerRegistration registered = Assert.Single(active, candidate => candidate.Id == worker.WorkerId);
        Assert.Equal(["libtorch-cuda", "libtorch-cpu"], registered.Backends);
        Assert.Equal(80L << 30, registered.MemoryBytes);
        Assert.Contains("H100", registered.Capabilities, StringComparison.Ordinal);
    }

    [Fact]
    public async Task MarkStoppedAsync_StoppedWorker_IsNoLongerActive()
    {
        WorkerCapabilities worker = WorkerCapabilities.ForThisProcess(["libtorch-cpu"], 1L << 30);
        await _registry.RegisterAsync(worker, CancellationToken.None);

        await _registry.MarkStoppedAsync(worker.WorkerId, CancellationToken.None);

        Assert.DoesNotContain(await _registry.ListActiveAsync(TimeSpan.FromMinutes(1), CancellationToken.None), candidate => candidate.Id == worker.WorkerId);
    }

    [Fact]
    public void ForThisProcess_TwoCalls_GiveDistinctIds()
    {
        Assert.NotEqual(
            WorkerCapabilities.ForThisProcess(["libtorch-cpu"], 1).WorkerId,
            WorkerCapabilities.ForThisProcess(["libtorch-cpu"], 1).WorkerId);
    }
}
