using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FineTune.Testing;
using Npgsql;
using Xunit.Abstractions;

namespace FineTune.Cli.Tests;

/// <summary>
/// A Postgres restart in the middle of a run (issues 11 and 13): <c>finetune serve</c> (real API, real Hangfire server
/// training a real job) on a private cluster of its own, which the test stops with <c>pg_ctl stop -m fast</c> and
/// starts again about 5 s later. The cluster is this test's alone, so the restart disturbs no other test. The job
/// must lose nothing: one attempt, every step trained once, a gapless event log, one Hangfire delivery that never
/// failed; and every API request during the outage must be a 503 that tells the client when to retry.
/// </summary>
[System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
public sealed class PostgresRestartTests(ITestOutputHelper output) : IDisposable
{
    private const int Steps = 60;

    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-restart-" + Guid.NewGuid().ToString("N")[..12]);

    private string Data => Path.Combine(_folder, "data");

    public void Dispose()
    {
        PostgresScript("stop", port: null, check: false);
        Directory.Delete(_folder, recursive: true);
    }

    [Fact]
    public async Task PostgresRestartMidRun_CostsNoAttemptNoStepNoEvent_AndRequestsDuringItAre503WithRetryAfter()
    {
        Directory.CreateDirectory(_folder);
        // As root the cluster runs as the postgres user, which must be able to enter the folder.
        File.SetUnixFileMode(_folder, (UnixFileMode)0b111_101_101);
        string models = Path.Combine(_folder, "models");
        Directory.CreateDirectory(models);
        Directory.CreateSymbolicLink(Path.Combine(models, "tinystories-656k"), RepoPaths.Model("tinystories-656k"));
        int dbPort = CliProcess.FreePort();
        string url = $"http://127.0.0.1:{CliProcess.FreePort()}";
        using var http = new HttpClient { BaseAddress = new Uri(url), Timeout = TimeSpan.FromSeconds(30) };

        using Process serve = CliProcess.Start("serve", "--urls", url, "--data-dir", Data, "--db-port", dbPort.ToString(CultureInfo.InvariantCulture), "--models-dir", models);
        var log = new System.Collections.Concurrent.ConcurrentQueue<string>();
        serve.OutputDataReceived += (_, line) => log.Enqueue(line.Data ?? "");
        serve.ErrorDataReceived += (_, line) => log.Enqueue(line.Data ?? "");
        serve.BeginOutputReadLine();
        serve.BeginErrorReadLine();
        try
        {
            await WaitUntilReadyAsync(http, serve, log);
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", (await File.ReadAllTextAsync(Path.Combine(Data, "api-key"))).Trim());
            Guid jobId = await SubmitJobAsync(http);
            long stepBefore = await WaitForStepAsync(http, jobId, 3);

            PostgresScript("stop", port: null);
            // The 5 s count from the moment the server is down (a loaded machine can take seconds to stop it), and at
            // least one request goes out whatever the clock says.
            var outage = Stopwatch.StartNew();
            List<HttpResponseMessage> duringOutage = [];
            do
            {
                duringOutage.Add(await http.GetAsync(new Uri($"/v1/jobs/{jobId}", UriKind.Relative)));
                await Task.Delay(250);
            }
            while (outage.Elapsed < TimeSpan.FromSeconds(5));
            PostgresScript("start", dbPort);
            output.WriteLine($"Postgres down for {outage.Elapsed.TotalSeconds:F1} s from step {stepBefore}; {duringOutage.Count} requests during it");

            JsonElement job = await WaitForEndAsync(http, jobId);
            JsonElement[] events = await EventsAsync(http, jobId);

            Assert.True(job.GetProperty("status").GetString() == "succeeded", job.ToString() + "\n" + string.Join('\n', log.TakeLast(60)));
            Assert.Equal(1, job.GetProperty("attempt").GetInt32());
            Assert.Equal(Enumerable.Range(1, events.Length).Select(i => (long)i), events.Select(e => e.GetProperty("seq").GetInt64()));
            long[] steps = events.Where(e => e.GetProperty("type").GetString() == "step").Select(e => e.GetProperty("payload").GetProperty("step").GetInt64()).ToArray();
            Assert.Equal(Enumerable.Range(1, Steps).Select(i => (long)i), steps);
            Assert.All(events, e => Assert.True(e.GetProperty("attempt").GetInt32() <= 1, e.ToString()));
            Assert.True(steps.Length == Steps && stepBefore < Steps, $"the outage began at step {stepBefore}, after training ended");

            Assert.NotEmpty(duringOutage);
            foreach (HttpResponseMessage response in duringOutage)
            {
                string body = await response.Content.ReadAsStringAsync();
                Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode} during the outage: {body}");
                Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
                Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After in seconds: " + response.Headers);
                response.Dispose();
            }

            // Hangfire's own record: one delivery, never failed or rescheduled, and the job row recorded no error.
            await using NpgsqlDataSource database = NpgsqlDataSource.Create(PostgresScript("url", port: null));
            Assert.Equal(["Enqueued", "Processing", "Succeeded"], await HangfireStatesAsync(database, jobId));
            await using NpgsqlCommand errors = database.CreateCommand("SELECT errors::text FROM job WHERE id = @id");
            errors.Parameters.AddWithValue("id", jobId);
            Assert.Equal("[]", ((string)(await errors.ExecuteScalarAsync())!).Replace(" ", "", StringComparison.Ordinal));
        }
        finally
        {
            CliProcess.Terminate(serve);
            output.WriteLine(string.Join('\n', log.Where(line => line.Contains("warn", StringComparison.OrdinalIgnoreCase) || line.Contains("fail", StringComparison.OrdinalIgnoreCase)).Take(40)));
        }
    }

    private static async Task WaitUntilReadyAsync(HttpClient http, Process serve, IEnumerable<string> log)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2) && !serve.HasExited)
        {
            try
            {
                using HttpResponseMessage ready = await http.GetAsync(new Uri("/readyz", UriKind.Relative));
                if (ready.StatusCode == HttpStatusCode.OK)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
                // Not listening yet.
            }
            await Task.Delay(100);
        }
        Assert.Fail("serve never became ready:\n" + string.Join('\n', log));
    }

    private static async Task<Guid> SubmitJobAsync(HttpClient http)
    {
        byte[] alpaca = await File.ReadAllBytesAsync(Path.Combine(RepoPaths.SharedAssets, "datasets", "alpaca-en-demo", "alpaca_en_demo.json"));
        using var upload = new ByteArrayContent(alpaca);
        upload.Headers.ContentType = new MediaTypeHeaderValue("application/json");
        using HttpResponseMessage uploaded = await http.PostAsync(new Uri("/v1/datasets?name=alpaca_en_demo.json", UriKind.Relative), upload);
        string dataset = await uploaded.Content.ReadAsStringAsync();
        Assert.True(uploaded.StatusCode == HttpStatusCode.Created, dataset);
        string datasetId = JsonDocument.Parse(dataset).RootElement.GetProperty("id").GetString()!;
        // One CPU thread and short sequences: a few seconds of training around the outage, checkpoints every 10 steps.
        string spec = $$"""
            {"model": "tinystories-656k", "training_file": "{{datasetId}}", "backend": "libtorch-cpu",
             "backend_options": {"threads": 1}, "seed": 7,
             "hyperparameters": {"steps": {{Steps}}, "batch_size": 2, "max_seq_len": 128, "learning_rate": 0.005, "save_every": 10},
             "lora": {"r": 4, "alpha": 8, "dropout": 0.0} }
            """;
        using HttpResponseMessage created = await http.PostAsync(new Uri("/v1/jobs", UriKind.Relative), new StringContent(spec, Encoding.UTF8, "application/json"));
        string body = await created.Content.ReadAsStringAsync();
        Assert.True(created.StatusCode == HttpStatusCode.Created, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("id").GetGuid();
    }

    /// <summary>Waits until the job has trained at least <paramref name="step"/> steps; returns the latest step seen.</summary>
    private static async Task<long> WaitForStepAsync(HttpClient http, Guid jobId, long step)
    {
        var deadline = Stopwatch.StartNew();
        while (deadline.Elapsed < TimeSpan.FromMinutes(2))
        {
            long latest = (await EventsAsync(http, jobId))
                .Where(e => e.GetProperty("type").GetString() == "step")
                .Select(e => e.GetProperty("payload").GetProperty("step").GetInt64())
                .DefaultIfEmpty(0)
                .Max();
            if (latest >= step)
            {
                return latest;
            }
            await Task.Delay(50);
        }
        throw new TimeoutException($"job {jobId} did not reach step {step} within 2 minutes");
    }

    private static async Task<JsonElement> WaitForEndAsync(HttpClient http, Guid jobId)
    {
        var deadline = Stopwatch.StartNew();
        while (true)
        {
            using HttpResponseMessage response = await http.GetAsync(new Uri($"/v1/jobs/{jobId}", UriKind.Relative));
            if (response.StatusCode == HttpStatusCode.OK)
            {
                JsonElement job = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone();
                if (job.GetProperty("status").GetString() is "succeeded" or "failed" or "cancelled" || deadline.Elapsed > TimeSpan.FromMinutes(3))
                {
                    return job;
                }
            }
            await Task.Delay(200);
        }
    }

    private static async Task<JsonElement[]> EventsAsync(HttpClient http, Guid jobId)
    {
        using HttpResponseMessage response = await http.GetAsync(new Uri($"/v1/jobs/{jobId}/events?limit=1000", UriKind.Relative));
        string body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        return JsonDocument.Parse(body).RootElement.GetProperty("data").EnumerateArray().Select(e => e.Clone()).ToArray();
    }

    private static async Task<string[]> HangfireStatesAsync(NpgsqlDataSource database, Guid jobId)
    {
        await using NpgsqlCommand command = database.CreateCommand("""
            SELECT s.name FROM hangfire.state s
            WHERE s.jobid IN (SELECT h.id FROM hangfire.job h WHERE h.arguments::text LIKE '%' || @id || '%')
            ORDER BY s.id
            """);
        command.Parameters.AddWithValue("id", jobId.ToString());
        var states = new List<string>();
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync();
        while (await reader.ReadAsync())
        {
            states.Add(reader.GetString(0));
        }
        return [.. states];
    }

    /// <summary>Runs <c>scripts/postgres.sh</c> on this test's cluster (what <c>finetune db</c> runs); returns its stdout.</summary>
    private string PostgresScript(string verb, int? port, bool check = true)
    {
        var start = new ProcessStartInfo("bash", [Path.Combine(RepoPaths.RepoRoot, "scripts", "postgres.sh"), verb])
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        start.Environment["FINETUNE_PGDATA"] = Path.Combine(Data, "pgdata");
        if (port is int chosen)
        {
            start.Environment["FINETUNE_PG_PORT"] = chosen.ToString(CultureInfo.InvariantCulture);
        }
        using Process process = Process.Start(start)!;
        Task<string> error = process.StandardError.ReadToEndAsync();
        string stdout = process.StandardOutput.ReadToEnd().Trim();
        process.WaitForExit();
        if (check)
        {
            Assert.True(process.ExitCode == 0, $"postgres.sh {verb}: {error.Result}");
        }
        return stdout;
    }
}
