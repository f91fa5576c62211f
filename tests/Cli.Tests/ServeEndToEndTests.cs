using System.Security.Cryptography;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// The user's path end to end: <c>finetune serve</c> as its own process (real API, hub, worker, Postgres), then the
/// <c>jobs</c> client submits alpaca_en_demo on the tinystories model, follows it to success and downloads the adapter,
/// whose sha256 must equal the ETag the server sent.
/// </summary>
public sealed class ServeEndToEndTests : IDisposable
{
    private readonly ServeProcess _server = ServeProcess.Start();

    public void Dispose() => _server.Dispose();

    [Fact]
    public void ServeThenJobsClient_TrainsDownloadsAndRejectsBadInput()
    {
        string url = _server.Url, key = _server.Key;
        string data = Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "alpaca_en_demo.json");

        CliRun submitted = CliRun.Invoke("jobs", "submit", "--url", url, "--key", key, "--data", data, "--model", "tinystories-656k", "--steps", "3", "--max-seq-len", "128", "--watch");
        Assert.True(submitted.ExitCode == 0, submitted.Error + submitted.Output);
        string jobId = submitted.Output.Split('\n')[0].Trim();
        Assert.Contains("3/3", submitted.Output);
        Assert.Matches(@"3/3 loss \d+\.\d{4} \d+ tok/s", submitted.Output);
        Assert.Contains("succeeded", submitted.Output);

        string downloads = Path.Combine(_server.Folder, "adapter");
        CliRun download = CliRun.Invoke("jobs", "download", jobId, "--url", url, "--key", key, "--out", downloads);
        Assert.True(download.ExitCode == 0, download.Error);
        string adapter = Path.Combine(downloads, "adapter_model.safetensors");
        string etag = download.Output.Split('\n').First(l => l.StartsWith("adapter_model.safetensors", StringComparison.Ordinal)).Split(' ')[1];
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(File.ReadAllBytes(adapter))), etag);
        Assert.Equal(0, CliRun.Invoke("generate", "--model", RepoPaths.Model("tinystories-656k"), "--adapter", downloads, "--max-new-tokens", "3").ExitCode);

        CliRun unauthorised = CliRun.Invoke("jobs", "list", "--url", url, "--key", "ft_wrong");
        Assert.Equal(1, unauthorised.ExitCode);
        Assert.Contains("401", unauthorised.Error);
        CliRun unknownModel = CliRun.Invoke("jobs", "submit", "--url", url, "--key", key, "--data", data, "--model", "gpt-5");
        Assert.Equal(1, unknownModel.ExitCode);
        Assert.Contains("model", unknownModel.Error);
    }
}
