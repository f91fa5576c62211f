using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Workers;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests;

/// <summary>The read-only catalogs: models, backends and workers.</summary>
public sealed class CatalogEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private WorkerRegistry Registry => factory.Services.GetRequiredService<WorkerRegistry>();

    [Fact]
    public async Task Models_ListsTheModelsFolder()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        JsonElement models = await (await tenant.Http.GetAsync("/v1/models")).JsonAsync();

        JsonElement model = Assert.Single(models.GetProperty("data").EnumerateArray());
        Assert.Equal(ApiFactory.ModelName, model.GetProperty("name").GetString());
        Assert.Equal("llama", model.GetProperty("family").GetString());
        // V*H embedding (tied) + 2 layers of attention, MLP and norms + the final norm, from the safetensors headers.
        Assert.Equal(656_000, model.GetProperty("parameters").GetInt64());
        Assert.Equal(512, model.GetProperty("context_length").GetInt32());
    }

    [Fact]
    public async Task Backends_ListSchemasAndLiveWorkers()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        await Registry.RegisterAsync(new WorkerCapabilities($"cpu-{Guid.NewGuid():N}", "box", ["libtorch-cpu"], 1L << 30), CancellationToken.None);

        JsonElement backends = await (await tenant.Http.GetAsync("/v1/backends")).JsonAsync();

        JsonElement[] data = [.. backends.GetProperty("data").EnumerateArray()];
        JsonElement cpu = data.Single(b => b.GetProperty("name").GetString() == "libtorch-cpu");
        JsonElement cuda = data.Single(b => b.GetProperty("name").GetString() == "libtorch-cuda");
        Assert.True(cpu.GetProperty("options_schema").GetProperty("properties").TryGetProperty("threads", out _));
        Assert.True(cuda.GetProperty("options_schema").GetProperty("properties").TryGetProperty("dtype", out _));
        Assert.False(cpu.GetProperty("options_schema").GetProperty("additionalProperties").GetBoolean());
        Assert.True(cpu.GetProperty("live_workers").GetInt32() >= 1);
        Assert.False(string.IsNullOrEmpty(cpu.GetProperty("description").GetString()));
    }

    [Fact]
    public async Task Workers_ShowCurrentJobOnlyToItsTenant()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid job = await owner.Http.CreateJobAsync(await owner.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        await Registry.RegisterAsync(new WorkerCapabilities(lease.WorkerId, "gpu-box", ["libtorch-cpu"], 1L << 36), CancellationToken.None);

        JsonElement mine = Worker(await (await owner.Http.GetAsync("/v1/workers")).JsonAsync(), lease.WorkerId);
        JsonElement theirs = Worker(await (await stranger.Http.GetAsync("/v1/workers")).JsonAsync(), lease.WorkerId);

        Assert.Equal("gpu-box", mine.GetProperty("host").GetString());
        Assert.Equal(["libtorch-cpu"], mine.GetProperty("backends").EnumerateArray().Select(b => b.GetString()));
        Assert.True(mine.GetProperty("busy").GetBoolean());
        Assert.Equal(job, mine.GetProperty("current_job").GetGuid());
        Assert.True(mine.GetProperty("last_heartbeat_at").GetInt64() > 0);
        Assert.True(theirs.GetProperty("busy").GetBoolean());
        Assert.Equal(JsonValueKind.Null, theirs.GetProperty("current_job").ValueKind);
    }

    [Fact]
    public async Task Workers_StoppedWorkerIsNotListed()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string id = $"gone-{Guid.NewGuid():N}";
        await Registry.RegisterAsync(new WorkerCapabilities(id, "box", ["libtorch-cpu"], 1), CancellationToken.None);
        await Registry.MarkStoppedAsync(id, CancellationToken.None);

        JsonElement workers = await (await tenant.Http.GetAsync("/v1/workers")).JsonAsync();

        Assert.DoesNotContain(workers.GetProperty("data").EnumerateArray(), w => w.GetProperty("id").GetString() == id);
    }

    private static JsonElement Worker(JsonElement list, string id)
    {
        return list.GetProperty("data").EnumerateArray().Single(w => w.GetProperty("id").GetString() == id);
    }
}
