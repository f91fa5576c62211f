using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;

namespace FineTune.Benchmarks;

/// <summary>
/// Open-loop POST /v1/jobs load: request i is due at start + i / rate whether or not earlier ones were answered, and
/// its latency runs from that due time to the end of its response body. A slow answer therefore cannot hold later
/// requests back and hide its own cost (no coordinated omission); any lateness of the scheduler itself counts against
/// the service and is reported separately as the send lag. The scheduler sleeps in 1 ms steps rather than spinning, so
/// it does not take a core from a service running on the same machine.
/// </summary>
internal sealed class SubmitLoad : IDisposable
{
    private static readonly MediaTypeHeaderValue s_json = new("application/json");
    private static readonly TimeSpan s_warmupPause = TimeSpan.FromMilliseconds(500);

    private readonly HttpClient _http;
    private readonly byte[] _body;
    private readonly bool _cancelOnCreation;
    private readonly Action<string> _onCreated;

    /// <param name="baseUrl">The service.</param>
    /// <param name="apiKey">The key the jobs are submitted with.</param>
    /// <param name="body">The job spec every request sends.</param>
    /// <param name="cancelOnCreation">Cancel each job as soon as it is created (a worker serves its backend).</param>
    /// <param name="onCreated">Called with the ID of every job created, warm-up included, so it can be cancelled later.</param>
    public SubmitLoad(Uri baseUrl, string apiKey, byte[] body, bool cancelOnCreation, Action<string> onCreated)
    {
        // Many requests are in flight at once at high rates; each needs its own HTTP/1.1 connection.
        var handler = new SocketsHttpHandler
        {
            MaxConnectionsPerServer = 10_000,
            PooledConnectionIdleTimeout = TimeSpan.FromMinutes(2),
            ConnectTimeout = TimeSpan.FromSeconds(10),
        };
        _http = new HttpClient(handler) { BaseAddress = baseUrl, Timeout = TimeSpan.FromSeconds(60) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        _body = body;
        _cancelOnCreation = cancelOnCreation;
        _onCreated = onCreated;
    }

    /// <summary>Runs the warm-up, then the measured load, and summarises the measured part.</summary>
    public async Task<SubmitLatencyResult> RunAsync(string backend, double rate, double durationSeconds, double warmupSeconds, CancellationToken cancellationToken)
    {
        // Warm-up in one-second bursts with a pause after each: a freshly started server runs tier-0 code, and while it
        // is saturated its JIT neither finishes call counting nor gets the CPU to compile tier-1 code; the pauses let it.
        for (double left = warmupSeconds; left > 0; left -= 1)
        {
            await RunPhaseAsync(rate, Math.Min(left, 1), cancellationToken);
            await Task.Delay(s_warmupPause, cancellationToken);
        }
        (Outcome[] outcomes, long start) = await RunPhaseAsync(rate, durationSeconds, cancellationToken);

        Outcome[] succeeded = [.. outcomes.Where(outcome => outcome.Error is null)];
        double[] latencies = Percentiles.Sorted(succeeded.Select(outcome => Milliseconds(outcome.Due, outcome.Done)));
        double[] lags = Percentiles.Sorted(outcomes.Select(outcome => Milliseconds(outcome.Due, outcome.Sent)));
        long lastDone = outcomes.Length == 0 ? start : outcomes.Max(outcome => outcome.Done);
        double elapsedSeconds = Math.Max(Stopwatch.GetElapsedTime(start, lastDone).TotalSeconds, 1e-9);
        return new SubmitLatencyResult(
            backend,
            _cancelOnCreation,
            rate,
            durationSeconds,
            warmupSeconds,
            outcomes.Length,
            succeeded.Length,
            outcomes.Length - succeeded.Length,
            outcomes.Count(outcome => outcome.Status == (int)HttpStatusCode.TooManyRequests),
            outcomes.Select(outcome => outcome.Error).FirstOrDefault(error => error is not null),
            succeeded.Length / elapsedSeconds,
            Percentiles.Of(latencies, 0.50),
            Percentiles.Of(latencies, 0.90),
            Percentiles.Of(latencies, 0.99),
            latencies.Length == 0 ? double.NaN : latencies[^1],
            Percentiles.Of(lags, 0.99),
            TargetP99Ms: 20);
    }

    public void Dispose() => _http.Dispose();

    private async Task<(Outcome[] Outcomes, long Start)> RunPhaseAsync(double rate, double seconds, CancellationToken cancellationToken)
    {
        int count = (int)Math.Round(rate * seconds);
        var requests = new Task<Outcome>[count];
        long start = Stopwatch.GetTimestamp();
        double ticksPerRequest = Stopwatch.Frequency / rate;
        // The schedule runs on its own thread so a busy thread pool delays only the responses, which are measured,
        // and never the sends.
        await Task.Factory.StartNew(
            () =>
            {
                for (int i = 0; i < count && !cancellationToken.IsCancellationRequested; i++)
                {
                    long due = start + (long)(i * ticksPerRequest);
                    while (Stopwatch.GetTimestamp() < due)
                    {
                        Thread.Sleep(1);
                    }
                    requests[i] = SendAsync(due, cancellationToken);
                }
            },
            cancellationToken,
            TaskCreationOptions.LongRunning,
            TaskScheduler.Default);
        // A cancelled schedule leaves later slots empty; stop here rather than summarise a partial phase.
        cancellationToken.ThrowIfCancellationRequested();
        return (await Task.WhenAll(requests), start);
    }

    private async Task<Outcome> SendAsync(long due, CancellationToken cancellationToken)
    {
        long sent = Stopwatch.GetTimestamp();
        try
        {
            using var content = new ByteArrayContent(_body);
            content.Headers.ContentType = s_json;
            using HttpResponseMessage response = await _http.PostAsync("v1/jobs", content, cancellationToken);
            string text = await response.Content.ReadAsStringAsync(cancellationToken);
            long done = Stopwatch.GetTimestamp();
            if (response.StatusCode != HttpStatusCode.Created)
            {
                return new Outcome(due, sent, done, (int)response.StatusCode, $"{(int)response.StatusCode} {response.ReasonPhrase}: {text[..Math.Min(text.Length, 200)]}");
            }
            using JsonDocument created = JsonDocument.Parse(text);
            string id = created.RootElement.GetProperty("id").GetString()!;
            _onCreated(id);
            if (_cancelOnCreation)
            {
                // After the latency was taken: this keeps a live worker from training the job, not the figure honest.
                using HttpResponseMessage cancelled = await _http.PostAsync($"v1/jobs/{id}/cancel", null, cancellationToken);
            }
            return new Outcome(due, sent, done, (int)response.StatusCode, null);
        }
        catch (Exception exception) when ((exception is HttpRequestException or TaskCanceledException) && !cancellationToken.IsCancellationRequested)
        {
            return new Outcome(due, sent, Stopwatch.GetTimestamp(), 0, exception.Message);
        }
    }

    private static double Milliseconds(long from, long to) => Stopwatch.GetElapsedTime(from, to).TotalMilliseconds;

    /// <summary>One request: when it was due, actually sent, and answered (Stopwatch ticks), its HTTP status (0: no
    /// answer); Error null when a job was created.</summary>
    private readonly record struct Outcome(long Due, long Sent, long Done, int Status, string? Error);
}
