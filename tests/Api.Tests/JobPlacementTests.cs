using System.Net;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Models;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Workers;
using FineTune.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FineTune.Api.Tests;

/// <summary>
/// Placement at submit: the memory estimate becomes required_memory_bytes, and a job no live worker can run is
/// queued with a warning. No test in this class registers a libtorch-cuda worker or a libtorch-cpu worker with more
/// than <see cref="SmallWorkerBytes"/>, so the warnings each test expects hold whatever ran before it.
/// </summary>
public sealed class JobPlacementTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const long SmallWorkerBytes = 64L << 20;

    private WorkerRegistry Registry => factory.Services.GetRequiredService<WorkerRegistry>();

    [Fact]
    public async Task Create_SetsRequiredMemoryFromTheEstimate()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        ModelConfig model = ModelConfig.FromFile(Path.Combine(RepoPaths.Model(ApiFactory.ModelName), "config.json"));
        long expected = MemoryEstimate.ForJob(model, 656_000, "libtorch-cpu", null, new TrainingConfig { MaxSteps = 3, MicroBatchSize = 2 }).TotalBytes;

        using HttpResponseMessage created = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset));
        JsonElement job = await created.JsonAsync();
        JsonElement fetched = await (await tenant.Http.GetAsync($"/v1/jobs/{job.GetProperty("id").GetGuid()}")).JsonAsync();
        Job row = (await factory.Queue.GetAsync(tenant.TenantId, job.GetProperty("id").GetGuid(), CancellationToken.None))!;

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal(expected, job.GetProperty("required_memory_bytes").GetInt64());
        Assert.Equal(expected, fetched.GetProperty("required_memory_bytes").GetInt64());
        Assert.Equal(expected, row.RequiredMemoryBytes);
    }

    [Fact]
    public async Task Create_BackendWithoutLiveWorker_IsQueuedWithAWarning()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage created = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset, ""","backend":"libtorch-cuda" """));
        JsonElement job = await created.JsonAsync();
        JsonElement fetched = await (await tenant.Http.GetAsync($"/v1/jobs/{job.GetProperty("id").GetGuid()}")).JsonAsync();
        JsonElement listed = (await (await tenant.Http.GetAsync("/v1/jobs")).JsonAsync()).GetProperty("data")[0];

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal("queued", job.GetProperty("status").GetString());
        foreach (JsonElement view in new[] { job, fetched, listed })
        {
            string warning = Assert.Single(view.GetProperty("warnings").EnumerateArray()).GetString()!;
            Assert.StartsWith("no live worker offers libtorch-cuda", warning, StringComparison.Ordinal);
        }
    }

    [Fact]
    public async Task Backends_WithoutLiveWorker_CarryAWarning()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        await Registry.RegisterAsync(new WorkerCapabilities($"cpu-{Guid.NewGuid():N}", "box", ["libtorch-cpu"], SmallWorkerBytes), CancellationToken.None);

        JsonElement backends = await (await tenant.Http.GetAsync("/v1/backends")).JsonAsync();

        JsonElement[] data = [.. backends.GetProperty("data").EnumerateArray()];
        JsonElement cpu = data.Single(b => b.GetProperty("name").GetString() == "libtorch-cpu");
        JsonElement cuda = data.Single(b => b.GetProperty("name").GetString() == "libtorch-cuda");
        Assert.Equal(0, cuda.GetProperty("live_workers").GetInt32());
        Assert.StartsWith("no live worker offers libtorch-cuda", cuda.GetProperty("warning").GetString(), StringComparison.Ordinal);
        Assert.True(cpu.GetProperty("live_workers").GetInt32() >= 1);
        Assert.Equal(JsonValueKind.Null, cpu.GetProperty("warning").ValueKind);
    }

    [Fact]
    public async Task Create_NeedingMoreThanEveryLiveWorker_IsWarnedAndQueuedWhereOnlyABigWorkerFetches()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        await Registry.RegisterAsync(new WorkerCapabilities($"small-{Guid.NewGuid():N}", "box", ["libtorch-cpu"], SmallWorkerBytes), CancellationToken.None);

        using HttpResponseMessage created = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset));
        JsonElement job = await created.JsonAsync();
        Guid jobId = job.GetProperty("id").GetGuid();
        string queue = await HangfireQueueAsync(jobId);
        JobLease bigClaim = await factory.Queue.ClaimAsync(jobId);
        JsonElement running = await (await tenant.Http.GetAsync($"/v1/jobs/{jobId}")).JsonAsync();

        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.True(job.GetProperty("required_memory_bytes").GetInt64() > SmallWorkerBytes);
        string warning = Assert.Single(job.GetProperty("warnings").EnumerateArray()).GetString()!;
        Assert.Contains("largest live libtorch-cpu worker has 0.1 GiB per job", warning, StringComparison.Ordinal);
        Assert.DoesNotContain(queue, HangfireQueues.Served(["libtorch-cpu"], SmallWorkerBytes));
        Assert.Contains(queue, HangfireQueues.Served(["libtorch-cpu"], 64L << 30));
        Assert.Equal(jobId, bigClaim.JobId);
        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Empty(running.GetProperty("warnings").EnumerateArray());
    }

    // The Hangfire queue the job was handed to (the dispatcher runs in the background after the submit).
    private async Task<string> HangfireQueueAsync(Guid jobId)
    {
        await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using NpgsqlCommand command = dataSource.CreateCommand(
                "SELECT q.queue FROM job j JOIN hangfire.jobqueue q ON q.jobid::text = j.hangfire_job_id WHERE j.id = @id");
            command.Parameters.AddWithValue("id", jobId);
            if (await command.ExecuteScalarAsync(guard.Token) is string queue)
            {
                return queue;
            }
            await Task.Delay(50, guard.Token);
        }
    }
}
