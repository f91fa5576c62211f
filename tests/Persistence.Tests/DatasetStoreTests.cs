using System.Security.Cryptography;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class DatasetStoreTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    // Small chunks so a few hundred bytes exercise chunk boundaries.
    private const int ChunkSize = 64;

    private readonly DatasetStore _store = new(database.DataSource, ChunkSize);

    [Fact]
    public async Task CreateAsync_StreamedContent_ReadsBackWholeWithItsSha256()
    {
        Guid tenant = await database.CreateTenantAsync();
        byte[] content = RandomBytes(1000);

        Dataset dataset = await _store.CreateAsync(new DatasetUpload(tenant, "train.jsonl"), new MemoryStream(content), () => new DatasetDescription("messages", 12), CancellationToken.None);
        Dataset? stored = await _store.GetAsync(tenant, dataset.Id, CancellationToken.None);
        await using BlobReadStream stream = _store.OpenRead(stored!);
        var copy = new MemoryStream();
        await stream.CopyToAsync(copy);

        Assert.Equal(content, copy.ToArray());
        Assert.Equal(SHA256.HashData(content), stored!.Sha256);
        Assert.Equal(1000, stored.SizeBytes);
        Assert.Equal("messages", stored.Format);
        Assert.Equal(12, stored.RecordCount);
        Assert.Equal(16, await database.ScalarAsync<long>("SELECT count(*) FROM dataset_chunk WHERE dataset_id = @id", ("id", dataset.Id)));
    }

    [Theory]
    [InlineData(0, 10)]
    [InlineData(60, 10)]
    [InlineData(64, 64)]
    [InlineData(127, 2)]
    [InlineData(900, 100)]
    [InlineData(999, 1)]
    public async Task OpenRead_SeekThenRead_ReturnsExactlyTheRange(int offset, int length)
    {
        Guid tenant = await database.CreateTenantAsync();
        byte[] content = RandomBytes(1000);
        Dataset dataset = await _store.CreateAsync(new DatasetUpload(tenant, "range.bin"), new MemoryStream(content), null, CancellationToken.None);
        await using BlobReadStream stream = _store.OpenRead(dataset);

        stream.Seek(offset, SeekOrigin.Begin);
        byte[] range = new byte[length];
        await stream.ReadExactlyAsync(range);

        Assert.Equal(content.AsSpan(offset, length).ToArray(), range);
    }

    [Fact]
    public async Task OpenRead_SynchronousReadPastTheEnd_StopsAtLength()
    {
        Guid tenant = await database.CreateTenantAsync();
        byte[] content = RandomBytes(100);
        Dataset dataset = await _store.CreateAsync(new DatasetUpload(tenant, "sync.bin"), new MemoryStream(content), null, CancellationToken.None);
        using BlobReadStream stream = _store.OpenRead(dataset);

        stream.Position = 90;
        byte[] buffer = new byte[50];
        int read = stream.ReadAtLeast(buffer, 50, throwOnEndOfStream: false);

        Assert.Equal(10, read);
        Assert.Equal(content[90..], buffer[..10]);
    }

    [Fact]
    public async Task CreateAsync_EmptyContent_StoresAnEmptyDataset()
    {
        Guid tenant = await database.CreateTenantAsync();

        Dataset dataset = await _store.CreateAsync(new DatasetUpload(tenant, "empty.jsonl"), new MemoryStream(), null, CancellationToken.None);

        Assert.Equal(0, dataset.SizeBytes);
        Assert.Equal(SHA256.HashData(Array.Empty<byte>()), dataset.Sha256);
        Assert.Equal(-1, _store.OpenRead(dataset).ReadByte());
    }

    [Fact]
    public async Task CreateAsync_StreamFailsMidway_LeavesNothing()
    {
        Guid tenant = await database.CreateTenantAsync();
        var upload = new DatasetUpload(tenant, "broken.jsonl");

        await Assert.ThrowsAsync<IOException>(() => _store.CreateAsync(upload, new FailingStream(RandomBytes(500), failAfter: 300), null, CancellationToken.None));

        Assert.Null(await _store.GetAsync(tenant, upload.Id, CancellationToken.None));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM dataset_chunk WHERE dataset_id = @id", ("id", upload.Id)));
    }

    [Fact]
    public async Task CreateAsync_ValidationRejectsTheFile_LeavesNothing()
    {
        Guid tenant = await database.CreateTenantAsync();
        var upload = new DatasetUpload(tenant, "invalid.jsonl");

        await Assert.ThrowsAsync<FormatException>(() => _store.CreateAsync(upload, new MemoryStream(RandomBytes(300)), () => throw new FormatException("line 2: not JSON"), CancellationToken.None));

        Assert.Null(await _store.GetAsync(tenant, upload.Id, CancellationToken.None));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM dataset_chunk WHERE dataset_id = @id", ("id", upload.Id)));
    }

    [Fact]
    public async Task GetAsync_AnotherTenant_SeesNothingAndCannotDelete()
    {
        Guid owner = await database.CreateTenantAsync();
        Guid stranger = await database.CreateTenantAsync();
        Dataset dataset = await _store.CreateAsync(new DatasetUpload(owner, "private.jsonl"), new MemoryStream(RandomBytes(10)), null, CancellationToken.None);

        Assert.Null(await _store.GetAsync(stranger, dataset.Id, CancellationToken.None));
        Assert.False(await _store.DeleteAsync(stranger, dataset.Id, CancellationToken.None));
        Assert.NotNull(await _store.GetAsync(owner, dataset.Id, CancellationToken.None));
    }

    [Fact]
    public async Task DeleteAsync_Owner_RemovesRowAndChunks()
    {
        Guid tenant = await database.CreateTenantAsync();
        Dataset dataset = await _store.CreateAsync(new DatasetUpload(tenant, "gone.jsonl"), new MemoryStream(RandomBytes(200)), null, CancellationToken.None);

        bool deleted = await _store.DeleteAsync(tenant, dataset.Id, CancellationToken.None);

        Assert.True(deleted);
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM dataset_chunk WHERE dataset_id = @id", ("id", dataset.Id)));
    }

    private static byte[] RandomBytes(int count)
    {
        byte[] bytes = new byte[count];
        new Random(count).NextBytes(bytes);
        return bytes;
    }

    /// <summary>Serves some bytes, then fails like a dropped upload connection.</summary>
    private sealed class FailingStream(byte[] content, int failAfter) : MemoryStream(content)
    {
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
        {
            if (Position >= failAfter)
            {
                throw new IOException("client disconnected");
            }
            return base.ReadAsync(buffer[..Math.Min(buffer.Length, failAfter - (int)Position)], cancellationToken);
        }
    }
}
