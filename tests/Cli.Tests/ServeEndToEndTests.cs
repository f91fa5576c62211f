using System.Diagnostics;
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
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-serve-" + Guid.NewGuid().ToString("N"));
    private Process? _server;

    public void Dispose()
    {
        if (_server is { HasExited: false })
        {
            _server.Kill(entireProcessTree: true);
            _server.WaitForExit();
        }
        _server?.Dispose();
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    [Fact]
    public void ServeThenJobsClient_TrainsDownloadsAndRejectsBadInput()
    {
        string connection = Environment.GetEnvironmentVariable("FINETUNE_TEST_PG") ?? "";
        Assert.False(connection.Length == 0, "FINETUNE_TEST_PG is not set: run the tests through ./test.sh, which starts Postgres");
        string models = Path.Combine(_folder, "models");
        Directory.CreateDirectory(models);
        Directory.CreateSymbolicLink(Path.Combine(models, "tinystories-656k"), RepoPaths.Model("tinystories-656k"));
        var (url, key) = StartServer(connection, models);
        string data = Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "alpaca_en_demo.json");

        CliRun submitted = CliRun.Invoke("jobs", "submit", "--url", url, "--key", key, "--data", data, "--model", "tinystories-656k", "--steps", "3", "--max-seq-len", "128", "--watch");
        Assert.True(submitted.ExitCode == 0, submitted.Error + submitted.Output);
        string jobId = submitted.Output.Split('\n')[0].Trim();
        Assert.Contains("3/3", submitted.Output);
        Assert.Contains("succeeded", submitted.Output);

        string downloads = Path.Combine(_folder, "adapter");
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

    private (string Url, string Key) StartServer(string connection, string models)
    {
        string cli = Path.Combine(AppContext.BaseDirectory, "finetune.dll");
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (string argument in new[] { cli, "serve", "--urls", "http://127.0.0.1:0", "--data-dir", Path.Combine(_folder, "data"), "--models-dir", models })
        {
            start.ArgumentList.Add(argument);
        }
        start.Environment["FINETUNE_DB"] = connection;
        _server = Process.Start(start)!;
        _server.ErrorDataReceived += (_, _) => { };
        _server.BeginErrorReadLine();
        string? url = null, key = null;
        var deadline = Stopwatch.StartNew();
        while ((url is null || key is null) && deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            string? line = _server.StandardOutput.ReadLine();
            Assert.True(line is not null, "finetune serve exited before printing its URL and key");
            if (line!.StartsWith("FineTune is serving on ", StringComparison.Ordinal))
            {
                url = line["FineTune is serving on ".Length..].Split(' ', ',')[0];
            }
            if (line.StartsWith("API key of tenant", StringComparison.Ordinal))
            {
                key = line[(line.LastIndexOf(' ') + 1)..];
            }
        }
        _server.StandardOutput.BaseStream.CopyToAsync(Stream.Null);
        Assert.NotNull(url);
        Assert.NotNull(key);
        return (url!, key!);
    }
}
