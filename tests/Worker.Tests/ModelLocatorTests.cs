using FineTune.HuggingFace;
using FineTune.Testing;
using FineTune.Worker.Execution;

namespace FineTune.Worker.Tests;

public sealed class ModelLocatorTests : IDisposable
{
    private readonly string _modelsDir = Path.Combine(Path.GetTempPath(), "finetune-models-" + Guid.NewGuid().ToString("N")[..12]);

    public ModelLocatorTests()
    {
        Directory.CreateDirectory(_modelsDir);
        Directory.CreateSymbolicLink(Path.Combine(_modelsDir, "tinystories-656k"), RepoPaths.Model("tinystories-656k"));
        Directory.CreateDirectory(Path.Combine(_modelsDir, "empty"));
    }

    public void Dispose()
    {
        Directory.Delete(_modelsDir, recursive: true);
    }

    [Fact]
    public async Task ResolveAsync_FolderInModelsDir_ReturnsIt()
    {
        using var locator = new ModelLocator(_modelsDir, allowHubDownloads: false, new HubOptions());

        string folder = await locator.ResolveAsync("tinystories-656k", CancellationToken.None);

        Assert.True(File.Exists(Path.Combine(folder, "config.json")));
    }

    [Theory]
    [InlineData("../tinystories-656k")]
    [InlineData("/etc")]
    [InlineData("a/../../b")]
    [InlineData("a\\b")]
    public async Task ResolveAsync_Path_IsRefused(string model)
    {
        using var locator = new ModelLocator(_modelsDir, allowHubDownloads: true, new HubOptions { Offline = true });

        PermanentJobException error = await Assert.ThrowsAsync<PermanentJobException>(() => locator.ResolveAsync(model, CancellationToken.None));
        Assert.Contains("not a path", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_FolderWithoutConfig_IsPermanent()
    {
        using var locator = new ModelLocator(_modelsDir, allowHubDownloads: false, new HubOptions());

        PermanentJobException error = await Assert.ThrowsAsync<PermanentJobException>(() => locator.ResolveAsync("empty", CancellationToken.None));
        Assert.Contains("config.json", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_HubIdWithDownloadsDisabled_SaysSo()
    {
        using var locator = new ModelLocator(_modelsDir, allowHubDownloads: false, new HubOptions());

        PermanentJobException error = await Assert.ThrowsAsync<PermanentJobException>(() => locator.ResolveAsync("org/model", CancellationToken.None));
        Assert.Contains("hub downloads are disabled", error.Message, StringComparison.Ordinal);
        Assert.Contains("tinystories-656k", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ResolveAsync_HubIdWithDownloadsEnabled_GoesToTheHub()
    {
        string cache = Path.Combine(_modelsDir, "cache");
        using var locator = new ModelLocator(_modelsDir, allowHubDownloads: true, new HubOptions { Offline = true, CacheDir = cache });

        HubException error = await Assert.ThrowsAsync<HubException>(() => locator.ResolveAsync("org/model", CancellationToken.None));
        Assert.Equal(HubErrorKind.NotCached, error.Kind);
    }
}
