using System.Diagnostics;
using System.Net.WebSockets;
using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Client;
using FineTune.Persistence;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Events;
using FineTune.Persistence.Tenancy;
using Microsoft.AspNetCore.Http.Connections;
using Microsoft.AspNetCore.SignalR;
using Microsoft.AspNetCore.SignalR.Client;
using Npgsql;

namespace FineTune.Benchmarks;

/// <summary>
/// Fan-out of one event to N SignalR subscribers. N clients connect to <c>/hubs/jobs</c> and subscribe to one job with
/// afterSeq = its last seq; once every subscription is acknowledged and the server's catch-up reads have had a second
/// to finish, the benchmark plays the worker and appends one <c>log</c> event through <see cref="JobEventLog"/>
/// (autocommit: the statement's commit sends the NOTIFY that wakes the hub). The clock starts just before that
/// statement is sent and stops, per client, when the official .NET SignalR client (WebSockets, no negotiate round trip)
/// hands the event to its handler; the figure is the last client's time. An earlier warm-up append to the same job keeps connection opening and first-use costs out of it.
/// </summary>
internal static class FanOutProbe
{
    private const string EventType = "log";
    private const int ConnectParallelism = 32;
    private static readonly TimeSpan s_settle = TimeSpan.FromSeconds(1);
    private static readonly TimeSpan s_deliveryTimeout = TimeSpan.FromSeconds(30);

    public static async Task<FanOutResult> RunAsync(FineTuneClient client, Uri baseUrl, string apiKey, string connection, string jobId, int subscribers, CancellationToken cancellationToken)
    {
        await using NpgsqlDataSource dataSource = FineTuneDataSource.Create(connection);
        Guid tenantId = await TenantOfAsync(dataSource, apiKey, cancellationToken);
        var eventLog = new JobEventLog(dataSource);
        Guid job = Guid.Parse(jobId);
        _ = await eventLog.AppendAsync(tenantId, job, EventType, Payload("bench service: warm-up append"), cancellationToken)
            ?? throw new InvalidOperationException($"job {jobId} is not in the database at --connection; is it the service's database?");
        long afterSeq = await LastSeqAsync(client, jobId, cancellationToken);

        string probe = "bench service: fan-out probe " + Guid.NewGuid().ToString("N");
        long[] receivedAt = new long[subscribers];
        int received = 0;
        var everyone = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var hub = new Uri(baseUrl, "hubs/jobs");
        var clients = new HubConnection[subscribers];
        for (int i = 0; i < subscribers; i++)
        {
            int index = i;
            clients[i] = Connection(hub, apiKey);
            clients[i].On<string, JsonElement>("event", (_, jobEvent) =>
            {
                long at = Stopwatch.GetTimestamp();
                if (IsProbe(jobEvent, probe) && Interlocked.CompareExchange(ref receivedAt[index], at, 0) == 0
                    && Interlocked.Increment(ref received) == subscribers)
                {
                    everyone.TrySetResult();
                }
            });
        }
        try
        {
            int connected = 0;
            string? firstError = null;
            long connectStart = Stopwatch.GetTimestamp();
            await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism, CancellationToken = cancellationToken }, async (subscriber, token) =>
            {
                try
                {
                    await subscriber.StartAsync(token);
                    await subscriber.InvokeAsync("Subscribe", job, afterSeq, token);
                    Interlocked.Increment(ref connected);
                }
                catch (Exception exception) when (exception is WebSocketException or HttpRequestException or HubException or InvalidOperationException)
                {
                    // A refused client is a finding, not a reason to stop: it shows as connected < subscribers.
                    Interlocked.CompareExchange(ref firstError, exception.Message, null);
                }
            });
            double connectSeconds = Stopwatch.GetElapsedTime(connectStart).TotalSeconds;
            await Task.Delay(s_settle, cancellationToken);

            long start = Stopwatch.GetTimestamp();
            _ = await eventLog.AppendAsync(tenantId, job, EventType, Payload(probe), cancellationToken);
            double appendMs = Stopwatch.GetElapsedTime(start).TotalMilliseconds;
            try
            {
                await everyone.Task.WaitAsync(s_deliveryTimeout, cancellationToken);
            }
            catch (TimeoutException)
            {
                // Reported as fewer received than subscribed.
            }
            double[] latencies = Percentiles.Sorted(receivedAt.Where(at => at != 0).Select(at => Stopwatch.GetElapsedTime(start, at).TotalMilliseconds));
            return new FanOutResult(
                subscribers,
                connected,
                latencies.Length,
                connectSeconds,
                appendMs,
                latencies.Length == 0 ? double.NaN : latencies[^1],
                Percentiles.Of(latencies, 0.50),
                Percentiles.Of(latencies, 0.99),
                TargetMs: 100,
                firstError);
        }
        finally
        {
            await CloseAllAsync(clients);
        }
    }

    private static async Task<Guid> TenantOfAsync(NpgsqlDataSource dataSource, string apiKey, CancellationToken cancellationToken)
    {
        await using FineTuneDbContext context = FineTuneDbContext.Create(dataSource);
        ApiKey key = await new TenantStore(context).AuthenticateAsync(apiKey, cancellationToken)
            ?? throw new ArgumentException("the API key is not a key of the database at --connection / FINETUNE_DB; give the service's database");
        return key.TenantId;
    }

    private static async Task<long> LastSeqAsync(FineTuneClient client, string jobId, CancellationToken cancellationToken)
    {
        long last = 0;
        while (true)
        {
            JsonArray page = (await client.EventsAsync(jobId, last, cancellationToken))["data"] as JsonArray ?? [];
            if (page.Count == 0)
            {
                return last;
            }
            last = page.Max(item => item!["seq"]!.GetValue<long>());
        }
    }

    private static string Payload(string message) => new JsonObject { ["level"] = "info", ["message"] = message }.ToJsonString();

    /// <summary>A hub connection over WebSockets straight away: the browser-style negotiate round trip would only add
    /// a request per client to the connect phase.</summary>
    private static HubConnection Connection(Uri hub, string apiKey) =>
        new HubConnectionBuilder()
            .WithUrl(hub, options =>
            {
                options.AccessTokenProvider = () => Task.FromResult<string?>(apiKey);
                options.Transports = HttpTransportType.WebSockets;
                options.SkipNegotiation = true;
            })
            .Build();

    // The event is a JobEventDto; its payload is what was appended.
    private static bool IsProbe(JsonElement jobEvent, string probe)
    {
        return jobEvent.ValueKind == JsonValueKind.Object
            && jobEvent.TryGetProperty("payload", out JsonElement payload)
            && payload.ValueKind == JsonValueKind.Object
            && payload.TryGetProperty("message", out JsonElement message)
            && message.ValueEquals(probe);
    }

    private static async Task CloseAllAsync(HubConnection[] clients)
    {
        using var closing = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        await Parallel.ForEachAsync(clients, new ParallelOptions { MaxDegreeOfParallelism = ConnectParallelism }, async (subscriber, _) =>
        {
            try
            {
                await subscriber.StopAsync(closing.Token);
            }
            catch (Exception exception) when (exception is WebSocketException or OperationCanceledException or InvalidOperationException)
            {
                // Never connected, or the server went first; disposing below aborts whatever is left.
            }
            await subscriber.DisposeAsync();
        });
    }
}
