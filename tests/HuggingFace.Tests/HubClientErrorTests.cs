
namespace FineTune.HuggingFace.Tests;

public sealed class HubClientErrorTests
{
    private const string Token = "hf_SecretTokenThatMustNeverLeak";

    [Fact]
    public async Task DownloadSnapshotAsync_UnknownRepo_ThrowsNotFoundNamingIt()
    {
        using var context = new HubTestContext();

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => context.CreateClient().DownloadSnapshotAsync("tiny-org/missing-model", null, CancellationToken.None));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Equal(404, error.StatusCode);
        Assert.Contains("not found", error.Message, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("'tiny-org/missing-model'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task DownloadSnapshotAsync_UnknownRevision_ThrowsNotFoundNamingIt()
    {
        using var context = new HubTestContext();
        HubClient client = context.CreateClient(context.Options with { Revision = "refs/pr/7" });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None));

        Assert.Equal(HubErrorKind.NotFound, error.Kind);
        Assert.Contains("'refs/pr/7'", error.Message, StringComparison.Ordinal);
        string escaped = $"/api/models/{HubTestContext.RepoId}/revision/refs%2Fpr%2F7";
        Assert.Contains(escaped, context.Server.Requests.Select(r => r.Path));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_GatedRepoWithoutToken_ThrowsAccessDeniedNamingHfToken()
    {
        using var context = new HubTestContext(requiredToken: Token);

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => context.DownloadAsync());

        Assert.Equal(HubErrorKind.AccessDenied, error.Kind);
        Assert.Equal(401, error.StatusCode);
        Assert.Contains("gated or private", error.Message, StringComparison.Ordinal);
        Assert.Contains("HF_TOKEN", error.Message, StringComparison.Ordinal);
        Assert.All(context.Server.Requests, r => Assert.Null(r.Authorization));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_GatedRepoWithToken_SendsBearerAndDownloads()
    {
        using var context = new HubTestContext(requiredToken: Token);
        HubClient client = context.CreateClient(context.Options with { Token = Token });

        string snapshot = await client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None);

        Assert.Equal(HubTestContext.DefaultFiles, HubTestContext.ListFiles(snapshot));
        Assert.All(context.Server.Requests, r => Assert.Equal("Bearer " + Token, r.Authorization));
    }

    [Fact]
    public async Task DownloadSnapshotAsync_GatedRepoWithTokenLackingAccess_ThrowsAccessDenied()
    {
        using var context = new HubTestContext(requiredToken: "hf_the_right_one");
        HubClient client = context.CreateClient(context.Options with { Token = Token });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(HubTestContext.RepoId, null, CancellationToken.None));

        Assert.Equal(HubErrorKind.AccessDenied, error.Kind);
        Assert.Equal(403, error.StatusCode);
        Assert.Contains("gated", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("wrong token")]
    [InlineData("unknown repo")]
    [InlineData("corrupt file")]
    [InlineData("server down")]
    public async Task DownloadSnapshotAsync_AnyFailure_NeverShowsTheToken(string failure)
    {
        using var context = new HubTestContext(requiredToken: failure == "wrong token" ? "hf_the_right_one" : Token);
        string repoId = failure == "unknown repo" ? "tiny-org/missing-model" : HubTestContext.RepoId;
        if (failure == "corrupt file")
        {
            context.Server.ServeCorrupted("config.json");
        }

        if (failure == "server down")
        {
            context.Server.FailNextRequests(1000);
        }

        HubClient client = context.CreateClient(context.Options with { Token = Token, MaxRetries = 1 });

        HubException error = await Assert.ThrowsAsync<HubException>(
            () => client.DownloadSnapshotAsync(repoId, null, CancellationToken.None));

        Assert.DoesNotContain(Token, error.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("Bearer", error.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("no-slash")]
    [InlineData("a/b/c")]
    [InlineData("org/na me")]
    [InlineData("org/..")]
    [InlineData("-org/name")]
    [InlineData("org/name.")]
    [InlineData("org--x/name")]
    [InlineData("org/")]
    [InlineData("../etc")]
    public async Task DownloadSnapshotAsync_InvalidRepoId_ThrowsArgumentExceptionNamingIt(string repoId)
    {
        using var context = new HubTestContext();

        ArgumentException error = await Assert.ThrowsAsync<ArgumentException>(
            () => context.CreateClient().DownloadSnapshotAsync(repoId, null, CancellationToken.None));

        Assert.Contains($"'{repoId}'", error.Message, StringComparison.Ordinal);
        Assert.Empty(context.Server.Requests);
    }

    [Theory]
    [InlineData("ftp://example.com")]
    [InlineData("not a url")]
    public void Constructor_EndpointNotHttp_ThrowsArgumentException(string endpoint)
    {
        using HttpClient http = HubClient.CreateHttpClient();

        var options = new HubOptions { Endpoint = endpoint };

        ArgumentException error = Assert.Throws<ArgumentException>(() => new HubClient(http, options));

        Assert.Contains(endpoint, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("")]
    [InlineData("../main")]
    [InlineData("main branch")]
    public void Constructor_UnusableRevision_ThrowsArgumentException(string revision)
    {
        using HttpClient http = HubClient.CreateHttpClient();

        Assert.Throws<ArgumentException>(() => new HubClient(http, new HubOptions { Revision = revision }));
    }
}
