
namespace FineTune.HuggingFace.Tests;

public sealed class HubClientFaultTests
{
    private const string Weights = "model.safetensors";

    [Fact]
    public async Task DownloadSnapshotAsync_ConnectionDroppedMidFile_ResumesWithRangeAndVerifies()
    {
        using var context = new HubTestContext();
        context.Server.DropConnectionOnce(Weights);

        string snapshot = await context.DownloadAsync();

        RecordedRequest resumed = Assert.Single(context.Server.Requests, IsRangedStorageRequest);
        Assert.Matches("^bytes=[1-9][0-9]*-$", resumed.Range);
        context.AssertSameBytes(snapshot, Weights);
        Assert.Empty(HubTestContext.ListFiles(Path.Combine(context.RepoDir, "blobs")));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_TransferStalls_ResumesAfterTheReadTimeout()
    {
        using var context = new HubTestContext();
        context.Server.StallOnce(Weights);

        string snapshot = await context.DownloadAsync(context.Options with { ReadTimeout = TimeSpan.FromMilliseconds(500) });

        Assert.Contains(context.Server.Requests, IsRangedStorageRequest);
        context.AssertSameBytes(snapshot, Weights);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_PartialFromEarlierRun_ResumesFromItsEnd()
    {
        using var context = new HubTestContext();
        byte[] weights = File.ReadAllBytes(Path.Combine(context.SourceDir, Weights));
        string sha256 = HubTestContext.Sha256Of(Path.Combine(context.SourceDir, Weights));
        Directory.CreateDirectory(Path.Combine(context.RepoDir, "blobs"));
        File.WriteAllBytes(Path.Combine(context.RepoDir, "blobs", sha256 + ".incomplete"), weights[..1000]);

        string snapshot = await context.DownloadAsync();

        Assert.Equal("bytes=1000-", Assert.Single(context.Server.Requests, IsRangedStorageRequest).Range);
        Assert.Equal(weights, File.ReadAllBytes(Path.Combine(snapshot, Weights)));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_ServerIgnoresRange_RestartsFromZero()
    {
        using var context = new HubTestContext();
        context.Server.IgnoreRange = true;
        context.Server.DropConnectionOnce(Weights);

        string snapshot = await context.DownloadAsync();

        Assert.Single(context.Server.Requests, IsRangedStorageRequest);
        context.AssertSameBytes(snapshot, Weights);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_Sha256Mismatch_ThrowsNamingFileAndHashesAndLeavesNoFile()
    {
        using var context = new HubTestContext();
        context.Server.ServeCorrupted(Weights);
        string expected = HubTestContext.Sha256Of(Path.Combine(context.SourceDir, Weights));
        HubClient client = context.CreateClient(context.Options with { MaxParallelDownloads = 1 });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None));

        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        Assert.Contains(Weights, error.Message, StringComparison.Ordinal);
        Assert.Contains("sha256", error.Message, StringComparison.Ordinal);
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
        Assert.Matches("got [0-9a-f]{64}", error.Message);
        Assert.DoesNotContain(Weights, HubTestContext.ListFiles(context.SnapshotDir));
        Assert.Empty(HubTestContext.ListFiles(Path.Combine(context.RepoDir, "blobs")));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_ResumedDownloadHashesWrong_RetriesFromZeroThenFails()
    {
        using var context = new HubTestContext();
        context.Server.DropConnectionOnce(Weights);
        context.Server.ServeCorrupted(Weights);

        HubException error = await Assert.ThrowsAsync<HubException>(() => context.DownloadAsync());

        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        string[] ranges = context.Server.Requests
            .Where(r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal))
            .Select(r => r.Range ?? "none")
            .ToArray();
        Assert.Equal(3, ranges.Length);
        Assert.Equal("none", ranges[0]);
        Assert.StartsWith("bytes=", ranges[1], StringComparison.Ordinal);
        Assert.Equal("none", ranges[2]);
        Assert.Empty(HubTestContext.ListFiles(Path.Combine(context.RepoDir, "blobs")));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_GitBlobMismatch_ThrowsAndLeavesNoFile()
    {
        using var context = new HubTestContext();
        context.Server.ServeCorrupted("tokenizer.json");

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => context.DownloadAsync());

        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        Assert.Contains("'tokenizer.json'", error.Message, StringComparison.Ordinal);
        Assert.Contains("git blob id", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("tokenizer.json", HubTestContext.ListFiles(context.SnapshotDir));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_NoTreeApiAndCorruptLfsFile_ChecksTheLinkedEtag()
    {
        using var context = new HubTestContext();
        context.Server.TreeApiAvailable = false;
        context.Server.ServeCorrupted(Weights);

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => context.DownloadAsync());

        Assert.Equal(HubErrorKind.IntegrityMismatch, error.Kind);
        string expected = HubTestContext.Sha256Of(Path.Combine(context.SourceDir, Weights));
        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_BriefServerErrors_RetriesAndSucceeds()
    {
        using var context = new HubTestContext();
        context.Server.FailNextRequests(3);

        string snapshot = await context.DownloadAsync();

        Assert.Equal(HubTestContext.DefaultFiles, HubTestContext.ListFiles(snapshot));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_ServerKeepsFailing_ThrowsTransferAfterMaxRetries()
    {
        using var context = new HubTestContext();
        context.Server.FailNextRequests(1000);
        HubClient client = context.CreateClient(context.Options with { MaxRetries = 2 });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None));

        Assert.Equal(HubErrorKind.Transfer, error.Kind);
        Assert.Equal(503, error.StatusCode);
        Assert.Contains("3 attempts", error.Message, StringComparison.Ordinal);
        Assert.Equal(3, context.Server.Requests.Count);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_NothingListening_ThrowsTransfer()
    {
        using var context = new HubTestContext();
        string endpoint = context.Server.Endpoint.ToString();
        context.Server.Dispose();
        HubClient client = context.CreateClient(context.Options with { Endpoint = endpoint, MaxRetries = 1 });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None));

        Assert.Equal(HubErrorKind.Transfer, error.Kind);
        Assert.Contains(HubTestContext.RepoId, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_ListingNamesAnUnsafePath_ThrowsInvalidResponse()
    {
        using var context = new HubTestContext();
        context.Server.ExtraTreePaths = ["../../escape.json"];
        HubClient client = context.CreateClient(context.Options with { IncludePatterns = ["**"] });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None));

        Assert.Equal(HubErrorKind.InvalidResponse, error.Kind);
        Assert.Contains("../../escape.json", error.Message, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(context.CacheDir, "escape.json")));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_Cancelled_ThrowsOperationCanceled()
    {
        using var context = new HubTestContext();
        using var cancellation = new CancellationTokenSource();
        await cancellation.CancelAsync();

        await Assert.ThrowsAnyAsync<OperationCanceledException>(
            () => context.CreateClient().DownloadSnapshotAsync(HubTestContext.RepoId, null, cancellation.Token));
    }

    // The range rides on both hops, the hub's redirect and the storage host; the storage host is the one that counts.
    private static bool IsRangedStorageRequest(RecordedRequest request) =>
        request.Range is not null && request.Path.StartsWith("/cdn/", StringComparison.Ordinal);
}
