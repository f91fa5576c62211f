using System.Security.Cryptography;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class ArtifactStoreTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private readonly ArtifactStore _store = new(database.DataSource, chunkSizeBytes: 100);

    [Fact]
    public async Task WriteAsync_LeaseHolder_StoresAndListsTheArtifact()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        byte[] content = RandomNumberGenerator.GetBytes(350);

        Artifact artifact = await _store.WriteAsync(lease, "adapter_model.safetensors", ArtifactKind.Output, "application/octet-stream", new MemoryStream(content), CancellationToken.None);
        IReadOnlyList<Artifact> listed = await _store.ListAsync(queue.TenantId, lease.JobId, CancellationToken.None);
        Artifact? byName = await _store.GetAsync(queue.TenantId, lease.JobId, "adapter_model.safetensors", CancellationToken.None);
        await using BlobReadStream stream = _store.OpenRead(byName!);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Equal(artifact.Id, Assert.Single(listed).Id);
        Assert.Equal(content, copy.ToArray());
        Assert.Equal(SHA256.HashData(content), artifact.Sha256);
        Assert.Equal(1, artifact.Attempt);
    }

    [Fact]
    public async Task WriteAsync_SameNameAgain_ReplacesTheEarlierArtifact()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        await _store.WriteAsync(lease, "result.json", ArtifactKind.Output, "application/json", new MemoryStream([1, 2, 3]), CancellationToken.None);

        Artifact second = await _store.WriteAsync(lease, "result.json", ArtifactKind.Output, "application/json", new MemoryStream([4, 5]), CancellationToken.None);

        Assert.Equal(second.Id, Assert.Single(await _store.ListAsync(queue.TenantId, lease.JobId, CancellationToken.None)).Id);
        Assert.Equal(2, second.SizeBytes);
    }

    [Fact]
    public async Task WriteAsync_WorkerWhoseJobWasTakenOver_IsRefusedAndStoresNothing()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease stale = await queue.EnqueueAndClaimAsync();
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        await queue.ClaimAsync(stale.JobId, queue.Worker("next"));

        await Assert.ThrowsAsync<LeaseLostException>(() => _store.WriteAsync(stale, "adapter_model.safetensors", ArtifactKind.Output, "application/octet-stream", new MemoryStream(new byte[250]), CancellationToken.None));

        Assert.Empty(await _store.ListAsync(queue.TenantId, stale.JobId, CancellationToken.None));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM artifact_chunk c LEFT JOIN artifact a ON a.id = c.artifact_id WHERE a.id IS NULL"));
    }

    [Fact]
    public async Task GetAsync_AnotherTenant_SeesNothing()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        Artifact artifact = await _store.WriteAsync(lease, "log.jsonl", ArtifactKind.Output, "application/jsonl", new MemoryStream([1]), CancellationToken.None);
        Guid stranger = await database.CreateTenantAsync();

        Assert.Null(await _store.GetAsync(stranger, artifact.Id, CancellationToken.None));
        Assert.Null(await _store.GetAsync(stranger, lease.JobId, "log.jsonl", CancellationToken.None));
        Assert.Empty(await _store.ListAsync(stranger, lease.JobId, CancellationToken.None));
    }
}
