using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FineTune.Testing;

namespace FineTune.Cli.Tests;

/// <summary>
/// What an operator sees of a real run (docs/operations.md): <c>finetune serve --log-format json</c> as its own
/// process with its in-process worker and Postgres, logging at Debug; a 3-step job through the <c>jobs</c> client; then
/// a Prometheus scrape of <c>/metrics</c> with an admin key, and the logs it wrote.
/// </summary>
public sealed class ObservabilityEndToEndTests : IDisposable
{
    private static readonly string[] s_bannerPrefixes = ["FineTune is serving on ", "API key of tenant ", "models: ", "Postgres: ", "one in-process worker", "no in-process worker", "private Postgres stopped"];

    private readonly ServeProcess _server = ServeProcess.Start(
        ["--log-format", "json"], new Dictionary<string, string> { ["Logging__LogLevel__Default"] = "Debug" });

    public void Dispose() => _server.Dispose();

    [Fact]
    public async Task Serve_AfterARealJob_MetricsShowItToAdminsOnly_AndLogsAreJsonWithoutKeysOrSqlAtInformation()
    {
        string data = Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "alpaca_en_demo.json");
        CliRun admin = CliRun.Invoke("keys", "create", "--tenant", "operators", "--name", "prometheus", "--admin", "--connection", _server.Connection);
        Assert.True(admin.ExitCode == 0, admin.Error);
        string adminKey = admin.Output.Trim();

        CliRun submitted = CliRun.Invoke("jobs", "submit", "--url", _server.Url, "--key", _server.Key, "--data", data, "--model", "tinystories-656k", "--steps", "3", "--max-seq-len", "128", "--watch");
        Assert.True(submitted.ExitCode == 0, submitted.Error + submitted.Output);
        Assert.Contains("succeeded", submitted.Output);
        using var http = new HttpClient { BaseAddress = new Uri(_server.Url) };
        using HttpResponseMessage anonymous = await http.GetAsync(new Uri("/metrics", UriKind.Relative));
        using HttpResponseMessage tenant = await SendAsync(http, _server.Key);
        using HttpResponseMessage scrape = await SendAsync(http, adminKey);
        string text = await scrape.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, tenant.StatusCode);
        Assert.Equal(HttpStatusCode.OK, scrape.StatusCode);
        Assert.True(Value(text, "finetune_jobs{", "state=\"succeeded\"") >= 1, text);
        Assert.True(Value(text, "finetune_train_steps_total{", "backend=\"libtorch-cpu\"") >= 3, text);
        // Every step trains at least one real token per row.
        Assert.True(Value(text, "finetune_train_tokens_total{", "backend=\"libtorch-cpu\"") >= 3, text);
        Assert.InRange(Value(text, "finetune_queue_wait_seconds_count{", "backend=\"libtorch-cpu\""), 1, 10);
        Assert.InRange(Value(text, "finetune_queue_wait_seconds_sum{", "backend=\"libtorch-cpu\""), 0, 120);
        Assert.True(Value(text, "finetune_worker_attempts_total{", "outcome=\"succeeded\"") >= 1, text);
        Assert.True(Value(text, "http_server_request_duration_seconds_count{", "http_route=\"/v1/jobs/\"") >= 1, text);

        string[] logs = _server.Lines.Where(line => !s_bannerPrefixes.Any(prefix => line.StartsWith(prefix, StringComparison.Ordinal))).ToArray();
        Assert.NotEmpty(logs);
        var entries = logs.Select(line => JsonDocument.Parse(line).RootElement).ToArray();
        Assert.All(entries, entry => Assert.True(entry.TryGetProperty("Category", out _) && entry.TryGetProperty("LogLevel", out _), entry.ToString()));
        Assert.Contains(entries, entry => entry.GetProperty("Category").GetString()!.StartsWith("FineTune.Worker", StringComparison.Ordinal));
        JsonElement[] sql = entries.Where(entry => entry.GetProperty("Category").GetString() == "Microsoft.EntityFrameworkCore.Database.Command").ToArray();
        Assert.NotEmpty(sql);
        Assert.All(sql, entry => Assert.Equal("Debug", entry.GetProperty("LogLevel").GetString()));
        Assert.DoesNotContain(logs, line => line.Contains(_server.Key, StringComparison.Ordinal) || line.Contains(adminKey, StringComparison.Ordinal));
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient http, string key)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/metrics", UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return await http.SendAsync(request);
    }

    private static double Value(string exposition, string prefix, string label)
    {
        double[] values = exposition.Split('\n')
            .Where(line => line.StartsWith(prefix, StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Select(line => double.Parse(line[(line.LastIndexOf('}') + 1)..].Trim().Split(' ')[0], CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(values.Length > 0, $"no series {prefix}...{label}...}} in:\n{exposition}");
        return values.Max();
    }
}
