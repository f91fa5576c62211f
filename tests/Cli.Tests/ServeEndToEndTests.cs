using System.Security.Cryptography;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// The user's path end to end: <c>finetune serve</c> as its own process (real API, hub, worker, Postgres), then the
/// <c>jobs</c> client submits alpaca_en_demo on the tinystories model, follows it to success and downloads the adapter,
/// whose sha256 must equal the ETag the server sent.
/// </summary>
public sealed class ServeEndToEndTests(ServeEndToEndTests.Served served) : IClassFixture<ServeEndToEndTests.Served>
{
    private readonly ServeProcess _server = served.Server;

    /// <summary>One <c>finetune serve</c> for the class's tests.</summary>
    public sealed class Served : IDisposable
    {
        internal ServeProcess Server { get; } = ServeProcess.Start();

        public void Dispose() => Server.Dispose();
    }

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

        CliRun listed = CliRun.Invoke("jobs", "list", "--url", url, "--key", key);
        Assert.True(listed.ExitCode == 0, listed.Error);
        Assert.Matches($@"(?m)^ID +STATUS +MODEL +STEPS +CREATED \(UTC\)\n{jobId} +succeeded +tinystories-656k +3/3 +\d{{4}}-\d\d-\d\d \d\d:\d\d:\d\d$", listed.Output.Replace("\r", "", StringComparison.Ordinal));
        Assert.Contains($"\"id\": \"{jobId}\"", CliRun.Invoke("jobs", "list", "--json", "--url", url, "--key", key).Output, StringComparison.Ordinal);
        CliRun pauseFinished = CliRun.Invoke("jobs", "pause", jobId, "--url", url, "--key", key);
        Assert.Equal(1, pauseFinished.ExitCode);
        Assert.Contains("409 Conflict — the job is succeeded; only a queued or running job can be paused", pauseFinished.Error, StringComparison.Ordinal);

        CliRun unauthorised = CliRun.Invoke("jobs", "list", "--url", url, "--key", "ft_wrong");
        Assert.Equal(1, unauthorised.ExitCode);
        Assert.Contains("401", unauthorised.Error);
        int datasetsBefore = DatasetCount(url, key);
        CliRun unknownModel = CliRun.Invoke("jobs", "submit", "--url", url, "--key", key, "--data", data, "--model", "gpt-5");
        Assert.Equal(1, unknownModel.ExitCode);
        Assert.Contains("model", unknownModel.Error);
        Assert.Equal(datasetsBefore, DatasetCount(url, key));
        CliRun badRate = CliRun.Invoke("jobs", "submit", "--url", url, "--key", key, "--data", data, "--model", "tinystories-656k", "--lr", "abc");
        Assert.Equal(1, badRate.ExitCode);
        Assert.Contains("--lr 'abc' is not a number or auto", badRate.Error, StringComparison.Ordinal);
        Assert.Equal(datasetsBefore, DatasetCount(url, key));
        CliRun watchUnknown = CliRun.Invoke("jobs", "watch", Guid.NewGuid().ToString(), "--url", url, "--key", key);
        Assert.Equal(1, watchUnknown.ExitCode);
        Assert.StartsWith("error: 404 Not Found", Assert.Single(watchUnknown.Error.Split('\n', StringSplitOptions.RemoveEmptyEntries)), StringComparison.Ordinal);
    }

    [Fact]
    public void JobsPauseResumeCancel_FromTheCommandLine()
    {
        string url = _server.Url, key = _server.Key;
        string data = Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "alpaca_en_demo.json");
        CliRun submitted = CliRun.Invoke("jobs", "submit", "--url", url, "--key", key, "--data", data, "--model", "tinystories-656k", "--steps", "2000", "--max-seq-len", "128");
        Assert.True(submitted.ExitCode == 0, submitted.Error);
        string jobId = submitted.Output.Split('\n')[0].Trim();

        // Queued: paused at once; running: pausing until the worker has checkpointed its step.
        CliRun paused = CliRun.Invoke("jobs", "pause", jobId, "--url", url, "--key", key);
        Assert.True(paused.ExitCode == 0, paused.Error);
        Assert.Matches($"^job {jobId} (paused|pausing)$", paused.Output.Trim());
        Assert.Equal("paused", WaitForStatus(jobId, "paused"));
        CliRun resumed = CliRun.Invoke("jobs", "resume", jobId, "--url", url, "--key", key);
        Assert.True(resumed.ExitCode == 0, resumed.Error);
        Assert.Matches($"^job {jobId} (queued|running)$", resumed.Output.Trim());
        CliRun resumedAgain = CliRun.Invoke("jobs", "resume", jobId, "--url", url, "--key", key);
        Assert.Equal(1, resumedAgain.ExitCode);
        Assert.Contains("only a paused job can be resumed", resumedAgain.Error, StringComparison.Ordinal);
        CliRun cancelled = CliRun.Invoke("jobs", "cancel", jobId, "--url", url, "--key", key);
        Assert.True(cancelled.ExitCode == 0, cancelled.Error);
        Assert.Matches($"^job {jobId} (cancelled|cancelling)$", cancelled.Output.Trim());
        Assert.Equal("cancelled", WaitForStatus(jobId, "cancelled"));
    }

    private static int DatasetCount(string url, string key)
    {
        using var http = new HttpClient { BaseAddress = new Uri(url) };
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", key);
        using System.Text.Json.JsonDocument list = System.Text.Json.JsonDocument.Parse(http.GetStringAsync(new Uri("/v1/datasets?limit=100", UriKind.Relative)).Result);
        return list.RootElement.GetProperty("data").GetArrayLength();
    }

    private string WaitForStatus(string jobId, string wanted)
    {
        string status = "";
        for (var clock = System.Diagnostics.Stopwatch.StartNew(); clock.Elapsed < TimeSpan.FromSeconds(90) && status != wanted; Thread.Sleep(250))
        {
            CliRun get = CliRun.Invoke("jobs", "get", jobId, "--url", _server.Url, "--key", _server.Key);
            status = System.Text.Json.JsonDocument.Parse(get.Output).RootElement.GetProperty("status").GetString()!;
        }
        return status;
    }
}
