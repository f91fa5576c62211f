using System.Net;
using System.Text.Json;
using FineTune.Api.Submission;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Workers;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests;

/// <summary>
/// <c>ApiOptions:StrictPlacement</c>: a job no live worker can claim is refused with 422 naming <c>backend</c>. No
/// test in this class registers a libtorch-cuda worker; only the last step of the memory test registers a big
/// libtorch-cpu worker.
/// </summary>
public sealed class StrictPlacementTests(StrictPlacementApiFactory factory) : IClassFixture<StrictPlacementApiFactory>
{
    private WorkerRegistry Registry => factory.Services.GetRequiredService<WorkerRegistry>();

    [Fact]
    public async Task Create_BackendWithoutLiveWorker_Is422NamingBackend()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset, ""","backend":"libtorch-cuda" """));
        JsonElement problem = await response.JsonAsync();
        JsonElement jobs = await (await tenant.Http.GetAsync("/v1/jobs")).JsonAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        string message = Assert.Single(problem.GetProperty("errors").GetProperty("backend").EnumerateArray()).GetString()!;
        Assert.StartsWith("no live worker offers libtorch-cuda", message, StringComparison.Ordinal);
        Assert.Empty(jobs.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Create_TooBigForEveryLiveWorker_Is422UntilABigWorkerIsLive()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        await Registry.RegisterAsync(new WorkerCapabilities($"small-{Guid.NewGuid():N}", "box", ["libtorch-cpu"], 64L << 20), CancellationToken.None);

        using HttpResponseMessage refused = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset));
        JsonElement problem = await refused.JsonAsync();
        await Registry.RegisterAsync(new WorkerCapabilities($"big-{Guid.NewGuid():N}", "box", ["libtorch-cpu"], 64L << 30), CancellationToken.None);
        // Submits reuse the worker list for up to JobPlacement.CacheSeconds: a new worker counts from then on.
        await Task.Delay(TimeSpan.FromSeconds(JobPlacement.CacheSeconds + 0.1));
        using HttpResponseMessage created = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset));
        JsonElement job = await created.JsonAsync();

        Assert.Equal(HttpStatusCode.UnprocessableEntity, refused.StatusCode);
        Assert.Contains("per job", Assert.Single(problem.GetProperty("errors").GetProperty("backend").EnumerateArray()).GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Empty(job.GetProperty("warnings").EnumerateArray());
    }
}
