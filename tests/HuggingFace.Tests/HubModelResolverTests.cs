
namespace FineTune.HuggingFace.Tests;

public sealed class HubModelResolverTests
{
    [Fact]
    public async Task ResolveAsync_ExistingDirectory_ReturnsItsFullPathWithoutRequests()
    {
        using var context = new HubTestContext();
        string relative = Path.GetRelativePath(Environment.CurrentDirectory, context.SourceDir);

        string resolved = await HubModelResolver.ResolveAsync(relative, context.Options, CancellationToken.None);

        Assert.Equal(Path.GetFullPath(context.SourceDir), resolved);
        Assert.Empty(context.Server.Requests);
    }

    [Fact]
    public async Task ResolveAsync_RepoId_DownloadsIntoTheCache()
    {
        using var context = new HubTestContext();

        string resolved = await HubModelResolver.ResolveAsync(HubTestContext.RepoId, context.Options, CancellationToken.None);

        Assert.Equal(context.SnapshotDir, resolved);
        Assert.Equal(HubTestContext.DefaultFiles, HubTestContext.ListFiles(resolved));
    }

    [Theory]
    [InlineData("no-such-directory")]
    [InlineData("org/name/extra")]
    [InlineData("org/name with space")]
    [InlineData("./missing/dir")]
    public async Task ResolveAsync_NeitherDirectoryNorRepoId_ThrowsArgumentExceptionNamingIt(string modelOrPath)
    {
        var options = new HubOptions { Endpoint = "http://127.0.0.1:9/", CacheDir = Path.GetTempPath() };

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(
            () => HubModelResolver.ResolveAsync(modelOrPath, options, CancellationToken.None));

        Assert.Contains($"'{modelOrPath}'", error.Message, StringComparison.Ordinal);
        Assert.Equal("modelOrPath", error.ParamName);
    }
}
