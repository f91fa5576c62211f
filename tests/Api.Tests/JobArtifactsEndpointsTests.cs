using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests;

/// <summary>Events, checkpoints and artifacts, written the way a worker writes them: through its lease.</summary>
public sealed class JobArtifactsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private ArtifactStore Artifacts => factory.Services.GetRequiredService<ArtifactStore>();

    [Fact]
    public async Task Events_AfterAndLimit_PageThroughTheLog()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        for (int step = 1; step <= 5; step++)
        {
            await factory.Queue.AppendEventAsync(lease, "step", $$"""{"step":{{step}},"loss":{{3.0 / step}}}""", CancellationToken.None);
        }

        JsonElement page = await (await tenant.Http.GetAsync($"/v1/jobs/{job}/events?after=1&limit=2")).JsonAsync();
        JsonElement rest = await (await tenant.Http.GetAsync($"/v1/jobs/{job}/events?after=3")).JsonAsync();

        Assert.Equal([2L, 3L], page.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
        Assert.True(page.GetProperty("has_more").GetBoolean());
        JsonElement first = page.GetProperty("data")[0];
        Assert.Equal("step", first.GetProperty("type").GetString());
        Assert.Equal(2, first.GetProperty("payload").GetProperty("step").GetInt32());
        Assert.Equal(1, first.GetProperty("attempt").GetInt32());
        Assert.Equal([4L, 5L], rest.GetProperty("data").EnumerateArray().Select(e => e.GetProperty("seq").GetInt64()));
        Assert.False(rest.GetProperty("has_more").GetBoolean());
    }

    [Fact]
    public async Task Artifact_Download_StreamsWithEtagRangeAndNotModified()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        byte[] content = RandomNumberGenerator.GetBytes(3000);
        await Artifacts.WriteAsync(lease, "adapter_model.safetensors", ArtifactKind.Output, "application/octet-stream", new MemoryStream(content), CancellationToken.None);
        string etag = $"\"{Convert.ToHexStringLower(SHA256.HashData(content))}\"";
        string path = $"/v1/jobs/{job}/artifacts/adapter_model.safetensors";

        using HttpResponseMessage full = await tenant.Http.GetAsync(path);
        using var rangeRequest = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        rangeRequest.Headers.Range = new RangeHeaderValue(1000, 2499);
        using HttpResponseMessage range = await tenant.Http.SendAsync(rangeRequest);
        using var conditional = new HttpRequestMessage(HttpMethod.Get, new Uri(path, UriKind.Relative));
        conditional.Headers.IfNoneMatch.Add(new EntityTagHeaderValue(etag));
        using HttpResponseMessage notModified = await tenant.Http.SendAsync(conditional);

        Assert.Equal(HttpStatusCode.OK, full.StatusCode);
        Assert.Equal(content, await full.Content.ReadAsByteArrayAsync());
        Assert.Equal(etag, full.Headers.ETag?.Tag);
        Assert.Equal("bytes", full.Headers.AcceptRanges.Single());
        Assert.Equal(HttpStatusCode.PartialContent, range.StatusCode);
        Assert.Equal(content[1000..2500], await range.Content.ReadAsByteArrayAsync());
        Assert.Equal("bytes 1000-2499/3000", range.Content.Headers.ContentRange?.ToString());
        Assert.Equal(HttpStatusCode.NotModified, notModified.StatusCode);
    }

    [Fact]
    public async Task Artifacts_AndCheckpoints_AreListedAndOnTheJob()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        Artifact blob = await Artifacts.WriteAsync(lease, "checkpoint-2.bin", ArtifactKind.Checkpoint, "application/octet-stream", new MemoryStream([1, 2, 3]), CancellationToken.None);
        await factory.Queue.SaveCheckpointAsync(lease, 2, blob.Id, "{}", CancellationToken.None);
        await Artifacts.WriteAsync(lease, "adapter_config.json", ArtifactKind.Output, "application/json", new MemoryStream("{}"u8.ToArray()), CancellationToken.None);
        await factory.Queue.CompleteAsync(lease, """{"steps":3,"tokens_seen":96}""", CancellationToken.None);

        JsonElement artifacts = await (await tenant.Http.GetAsync($"/v1/jobs/{job}/artifacts")).JsonAsync();
        JsonElement checkpoints = await (await tenant.Http.GetAsync($"/v1/jobs/{job}/checkpoints")).JsonAsync();
        JsonElement done = await (await tenant.Http.GetAsync($"/v1/jobs/{job}")).JsonAsync();

        Assert.Equal(["adapter_config.json"], artifacts.GetProperty("data").EnumerateArray().Select(a => a.GetProperty("name").GetString()));
        JsonElement checkpoint = Assert.Single(checkpoints.GetProperty("data").EnumerateArray());
        Assert.Equal(2, checkpoint.GetProperty("step").GetInt64());
        Assert.Equal("succeeded", done.GetProperty("status").GetString());
        Assert.Equal(96, done.GetProperty("trained_tokens").GetInt64());
        Assert.Equal("adapter_config.json", Assert.Single(done.GetProperty("artifacts").EnumerateArray()).GetProperty("name").GetString());
        Assert.Equal(100, done.GetProperty("progress").GetProperty("percent").GetDouble());
    }

    [Fact]
    public async Task CheckpointArchive_IsNeitherListedNorDownloadable()
    {
        // Under DP a checkpoint holds the secret sampling seed and noise generator state: serving it would let the
        // holder regenerate the noise and undo the privacy, so only the worker ever reads it.
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        Artifact blob = await Artifacts.WriteAsync(lease, "checkpoint-a.tar", ArtifactKind.Checkpoint, "application/x-tar", new MemoryStream("{\"sampler_seed\":1}"u8.ToArray()), CancellationToken.None);
        await factory.Queue.SaveCheckpointAsync(lease, 4, blob.Id, "{}", CancellationToken.None);

        using HttpResponseMessage download = await tenant.Http.GetAsync($"/v1/jobs/{job}/artifacts/checkpoint-a.tar");
        JsonElement artifacts = await (await tenant.Http.GetAsync($"/v1/jobs/{job}/artifacts")).JsonAsync();
        string checkpoints = await (await tenant.Http.GetAsync($"/v1/jobs/{job}/checkpoints")).Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.NotFound, download.StatusCode);
        Assert.Equal("application/problem+json", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, artifacts.GetProperty("data").GetArrayLength());
        Assert.Contains("\"step\":4", checkpoints, StringComparison.Ordinal);
        Assert.DoesNotContain("checkpoint-a.tar", checkpoints, StringComparison.Ordinal);
    }

    [Fact]
    public async Task UnknownArtifact_Is404Problem()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());

        using HttpResponseMessage response = await tenant.Http.GetAsync($"/v1/jobs/{job}/artifacts/nothing.bin");

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnotherTenantsJobOutputs_Are404OnEveryRoute()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid job = await owner.Http.CreateJobAsync(await owner.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        await factory.Queue.AppendEventAsync(lease, "step", """{"step":1}""", CancellationToken.None);
        await Artifacts.WriteAsync(lease, "result.json", ArtifactKind.Output, "application/json", new MemoryStream("{}"u8.ToArray()), CancellationToken.None);

        string[] paths = [$"/v1/jobs/{job}/events", $"/v1/jobs/{job}/checkpoints", $"/v1/jobs/{job}/artifacts", $"/v1/jobs/{job}/artifacts/result.json"];
        foreach (string path in paths)
        {
            using HttpResponseMessage theirs = await stranger.Http.GetAsync(path);
            using HttpResponseMessage mine = await owner.Http.GetAsync(path);

            Assert.Equal(HttpStatusCode.NotFound, theirs.StatusCode);
            Assert.Equal(HttpStatusCode.OK, mine.StatusCode);
        }
    }
}
