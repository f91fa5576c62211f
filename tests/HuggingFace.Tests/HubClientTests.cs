using System.Collections.Concurrent;

namespace FineTune.HuggingFace.Tests;

public sealed class HubClientTests
{
    [Fact]
    public async Task DownloadSnapshotAsync_FreshCache_DownloadsDefaultFilesByteEqual()
    {
        using var context = new HubTestContext();

        string snapshot = await context.DownloadAsync();

        Assert.Equal(context.SnapshotDir, snapshot);
        Assert.Equal(HubTestContext.DefaultFiles, HubTestContext.ListFiles(snapshot));
        foreach (string file in HubTestContext.DefaultFiles)
        {
            context.AssertSameBytes(snapshot, file);
        }
    }

    [Fact]
    public async Task DownloadSnapshotAsync_FreshCache_WritesRefListingAndNoPartials()
    {
        using var context = new HubTestContext();

        await context.DownloadAsync();

        Assert.Equal(context.Commit, File.ReadAllText(Path.Combine(context.RepoDir, "refs", "main")));
        Assert.True(File.Exists(Path.Combine(context.RepoDir, "listings", context.Commit + ".json")));
        Assert.Empty(HubTestContext.ListFiles(Path.Combine(context.RepoDir, "blobs")));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_SecondCall_MakesOnlyTheRevisionRequest()
    {
        using var context = new HubTestContext();
        HubClient client = context.CreateClient();
        await client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);
        int before = context.Server.Requests.Count;

        string snapshot = await client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);

        RecordedRequest only = Assert.Single(context.Server.Requests.Skip(before));
        Assert.Equal($"/api/models/{HubTestContext.RepoId}/revision/main", only.Path);
        Assert.Equal(context.SnapshotDir, snapshot);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_OfflineAfterDownload_MakesNoRequests()
    {
        using var context = new HubTestContext();
        await context.DownloadAsync();
        int before = context.Server.Requests.Count;

        string snapshot = await context.CreateClient(context.Options with { Offline = true })
            .DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);

        Assert.Equal(before, context.Server.Requests.Count);
        Assert.Equal(HubTestContext.DefaultFiles, HubTestContext.ListFiles(snapshot));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_OfflineWithEmptyCache_ThrowsNotCached()
    {
        using var context = new HubTestContext();
        HubClient client = context.CreateClient(context.Options with { Offline = true });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None));

        Assert.Equal(HubErrorKind.NotCached, error.Kind);
        Assert.Contains(HubTestContext.RepoId, error.Message, StringComparison.Ordinal);
        Assert.Empty(context.Server.Requests);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_CachedCommitRevision_MakesNoRequests()
    {
        using var context = new HubTestContext();
        HubClient pinned = context.CreateClient(context.Options with { Revision = context.Commit });
        await pinned.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);
        int before = context.Server.Requests.Count;

        string snapshot = await pinned.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);

        Assert.Equal(before, context.Server.Requests.Count);
        Assert.Equal(context.SnapshotDir, snapshot);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_SnapshotFileDeleted_DownloadsOnlyThatFile()
    {
        using var context = new HubTestContext();
        HubClient client = context.CreateClient();
        await client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);
        File.Delete(Path.Combine(context.SnapshotDir, "tokenizer.json"));
        int before = context.Server.Requests.Count;

        await client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);

        string[] paths = context.Server.Requests.Skip(before).Select(r => r.Path).ToArray();
        string[] expected =
        [
            $"/api/models/{HubTestContext.RepoId}/revision/main",
            $"/{HubTestContext.RepoId}/resolve/{context.Commit}/tokenizer.json",
        ];
        Assert.Equal(expected, paths);
        Assert.Equal(HubTestContext.DefaultFiles, HubTestContext.ListFiles(context.SnapshotDir));
    }

    [Theory]
    [InlineData("*.json", "config.json|generation_config.json|special_tokens_map.json|tokenizer.json|tokenizer_config.json")]
    [InlineData("onnx/*", "onnx/model.onnx")]
    [InlineData("**/*.onnx|*.bin", "onnx/model.onnx|pytorch_model.bin")]
    [InlineData("config.json|images/loss.???", "config.json|images/loss.png")]
    public async Task DownloadSnapshotAsync_IncludePatterns_DownloadsOnlyMatchingFiles(string patterns, string expected)
    {
        using var context = new HubTestContext();
        HubClient client = context.CreateClient(context.Options with { IncludePatterns = patterns.Split('|') });

        string snapshot = await client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);

        Assert.Equal(expected.Split('|'), HubTestContext.ListFiles(snapshot));
        foreach (string file in expected.Split('|'))
        {
            context.AssertSameBytes(snapshot, file);
        }
    }

    [Fact]
    public async Task DownloadSnapshotAsync_PatternsMatchNothing_ThrowsNotFound()
    {
        using var context = new HubTestContext();
        HubClient client = context.CreateClient(context.Options with { IncludePatterns = ["*.gguf"] });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Contains("*.gguf", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_WeightIndex_SkipsSafetensorsItDoesNotName()
    {
        using var context = new HubTestContext(editSource: dir =>
        {
            File.Move(Path.Combine(dir, "model.safetensors"), Path.Combine(dir, "model-00001-of-00001.safetensors"));
            File.WriteAllText(Path.Combine(dir, "consolidated.safetensors"), "a second copy the loader never reads");
            File.WriteAllText(
                Path.Combine(dir, "model.safetensors.index.json"),
                """{"metadata": {"total_size": 1}, "weight_map": {"lm_head.weight": "model-00001-of-00001.safetensors"}}""");
        });

        string snapshot = await context.DownloadAsync();

        string[] files = HubTestContext.ListFiles(snapshot);
        Assert.Contains("model-00001-of-00001.safetensors", files);
        Assert.Contains("model.safetensors.index.json", files);
        Assert.DoesNotContain("consolidated.safetensors", files);
    }

    [Fact]
    public async Task ListFilesAsync_PagedTree_ReturnsEveryFileWithSizesAndHashes()
    {
        using var context = new HubTestContext();
        context.Server.TreePageSize = 3;

        HubRepoInfo info = await context.CreateClient().ListFilesAsync(HubTestContext.RepoId, CancellationToken.None);

        Assert.Equal(context.Commit, info.Commit);
        Assert.Equal(HubTestContext.ListFiles(context.SourceDir), info.Files.Select(f => f.Path).Order(StringComparer.Ordinal));
        HubFileInfo weights = Assert.Single(info.Files, f => f.Path == "model.safetensors");
        Assert.Equal(HubTestContext.Sha256Of(Path.Combine(context.SourceDir, "model.safetensors")), weights.Sha256);
        Assert.Equal(new FileInfo(Path.Combine(context.SourceDir, "model.safetensors")).Length, weights.Size);
        Assert.All(info.Files.Where(f => f.Sha256 is null), f => Assert.Equal(40, f.GitBlobId?.Length));
        Assert.True(context.Server.CountRequests(r => r.Path.Contains("cursor=", StringComparison.Ordinal)) >= 2);
    }

    [Fact]
    public async Task ListFilesAsync_OfflineAfterDownload_ReturnsTheCachedListingWithoutRequests()
    {
        using var context = new HubTestContext();
        HubRepoInfo online = await context.CreateClient().ListFilesAsync(HubTestContext.RepoId, CancellationToken.None);
        await context.DownloadAsync();
        int before = context.Server.Requests.Count;

        HubRepoInfo offline = await context.CreateClient(context.Options with { Offline = true })
            .ListFilesAsync(HubTestContext.RepoId, CancellationToken.None);

        Assert.Equal(before, context.Server.Requests.Count);
        Assert.Equal(online.Commit, offline.Commit);
        Assert.Equal(online.Files, offline.Files);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_NoTreeApi_FallsBackToSiblingsAndDownloads()
    {
        using var context = new HubTestContext();
        context.Server.TreeApiAvailable = false;

        string snapshot = await context.DownloadAsync();

        Assert.Equal(HubTestContext.DefaultFiles, HubTestContext.ListFiles(snapshot));
        Assert.Equal(
            HubTestContext.Sha256Of(Path.Combine(context.SourceDir, "model.safetensors")),
            HubTestContext.Sha256Of(Path.Combine(snapshot, "model.safetensors")));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_Progress_ReportsEveryFileUpToItsSize()
    {
        using var context = new HubTestContext();
        var progress = new RecordingProgress();

        await context.CreateClient().DownloadSnapshotAsync(HubTestContext.RepoId, progress, CancellationToken.None);

        foreach (string file in HubTestContext.DefaultFiles)
        {
            long size = new FileInfo(Path.Combine(context.SourceDir, file)).Length;
            HubDownloadProgress[] reports = progress.Reports.Where(r => r.Path == file).ToArray();
            Assert.NotEmpty(reports);
            Assert.Equal(new HubDownloadProgress(file, size, size), reports[^1]);
            Assert.True(reports.Zip(reports.Skip(1)).All(pair => pair.First.BytesDownloaded <= pair.Second.BytesDownloaded));
        }
    }

    [Fact]
    public async Task DownloadSnapshotAsync_LfsRedirectToAnotherHost_DoesNotForwardTheToken()
    {
        using var context = new HubTestContext(requiredToken: "hf_test_token");
        context.Server.CdnHost = "localhost";
        HubClient client = context.CreateClient(context.Options with { Token = "hf_test_token" });

        string snapshot = await client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);

        RecordedRequest cdn = Assert.Single(context.Server.Requests, r => r.Path.StartsWith("/cdn/", StringComparison.Ordinal));
        Assert.Equal("localhost", cdn.Host);
        Assert.Null(cdn.Authorization);
        Assert.All(
            context.Server.Requests.Where(r => !r.Path.StartsWith("/cdn/", StringComparison.Ordinal)),
            r => Assert.Equal("Bearer hf_test_token", r.Authorization));
        Assert.Equal(HubTestContext.DefaultFiles, HubTestContext.ListFiles(snapshot));
    }

    private sealed class RecordingProgress : IProgress<HubDownloadProgress>
    {
        public ConcurrentQueue<HubDownloadProgress> Reports { get; } = new();

        public void Report(HubDownloadProgress value) => Reports.Enqueue(value);
    }
}
