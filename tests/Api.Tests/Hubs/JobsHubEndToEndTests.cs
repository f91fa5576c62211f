using System.Net;
using System.Text.Json;

namespace FineTune.Api.Tests.Hubs;

/// <summary>
/// End to end: the real API on Kestrel, a real Postgres, a worker played through the real queue, and the real
/// <c>@microsoft/signalr</c> client under node (<c>tools/reference/signalr/client.mjs</c>).
/// </summary>
public sealed class JobsHubEndToEndTests(KestrelApiHost host) : IClassFixture<KestrelApiHost>
{
    [Theory]
    [InlineData("websockets")]
    [InlineData("sse")]
    [InlineData("longpolling")]
    public async Task Subscribe_WorkerAppendsWhileSubscribed_ClientGetsEveryStepInOrder(string transport)
    {
        (Guid tenantId, string key) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, tenantId);
        await worker.AppendStepsAsync(3);
        await using NodeSignalRClient client = NodeSignalRClient.Start(host.BaseAddress, key, worker.JobId, "--stop-after", "20", "--transport", transport);

        await client.WaitForAsync("subscribed");
        await worker.AppendStepsAsync(17);
        int exitCode = await client.WaitForExitAsync();

        Assert.True(exitCode == 0, client.Stderr);
        IReadOnlyList<JsonElement> events = client.Events;
        Assert.Equal(Sequence(1, 20), Seqs(events));
        Assert.All(events, line => Assert.Equal(worker.JobId.ToString(), line.GetProperty("job_id").GetString()));
        Assert.Equal(Sequence(1, 20), events.Select(line => line.GetProperty("event").GetProperty("payload").GetProperty("step").GetInt64()));
        JsonElement first = events[0].GetProperty("event");
        Assert.Equal("step", first.GetProperty("type").GetString());
        Assert.Equal(1, first.GetProperty("attempt").GetInt32());
        Assert.Equal("fine_tuning.job.event", first.GetProperty("object").GetString());
        Assert.InRange(first.GetProperty("created_at").GetInt64(), DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeSeconds(), DateTimeOffset.UtcNow.AddMinutes(5).ToUnixTimeSeconds());
    }

    [Fact]
    public async Task Subscribe_DropAndReopenOnAnotherInstanceWithAfterSeq_MissesNothing()
    {
        (Guid tenantId, string key) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, tenantId);
        // The key travels as access_token in the URL, as a browser's WebSocket must send it. The second connection
        // goes to the other API instance, as a load balancer may send it.
        await using NodeSignalRClient client = NodeSignalRClient.Start(
            host.BaseAddress, key, worker.JobId, "--stop-after", "30", "--disconnect-after", "10", "--reconnect-on-stdin",
            "--reconnect-url", host.OtherBaseAddress.ToString().TrimEnd('/'), "--token-in-query");
        string firstConnectionId = (await client.WaitForAsync("connected")).GetProperty("connection_id").GetString()!;
        await client.WaitForAsync("subscribed");

        // Live on the first connection, which drops after 10; then 10 more while nobody listens; then live again.
        await worker.AppendStepsAsync(15);
        await client.WaitForAsync("disconnected");
        await host.Notifier.ConnectionDrainedAsync(firstConnectionId, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
        await worker.AppendStepsAsync(10);
        await client.WriteLineAsync("reconnect");
        JsonElement resubscribed = await client.WaitForAsync("subscribed", connection: 2);
        await worker.AppendStepsAsync(5);
        int exitCode = await client.WaitForExitAsync();

        Assert.True(exitCode == 0, client.Stderr);
        Assert.Equal(10, resubscribed.GetProperty("after_seq").GetInt64());
        IReadOnlyList<JsonElement> events = client.Events;
        Assert.Equal(Sequence(1, 30), Seqs(events));
        Assert.Equal(Sequence(1, 10), Seqs(events.Where(line => line.GetProperty("connection").GetInt32() == 1)));
        Assert.Equal(Sequence(11, 30), Seqs(events.Where(line => line.GetProperty("connection").GetInt32() == 2)));
        string secondConnectionId = client.Lines
            .Single(line => NodeSignalRClient.Kind(line) == "connected" && line.GetProperty("connection").GetInt32() == 2)
            .GetProperty("connection_id").GetString()!;
        // The client unsubscribed before closing, so the other instance holds nothing for it either.
        await host.OtherNotifier.ConnectionDrainedAsync(secondConnectionId, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task Subscribe_ClientsOnBothInstances_EachGetsEveryEvent()
    {
        (Guid tenantId, string key) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, tenantId);
        await using NodeSignalRClient first = NodeSignalRClient.Start(host.BaseAddress, key, worker.JobId, "--stop-after", "12");
        await using NodeSignalRClient second = NodeSignalRClient.Start(host.OtherBaseAddress, key, worker.JobId, "--stop-after", "12");

        await first.WaitForAsync("subscribed");
        await second.WaitForAsync("subscribed");
        await worker.AppendStepsAsync(12);
        int firstExitCode = await first.WaitForExitAsync();
        int secondExitCode = await second.WaitForExitAsync();

        Assert.True(firstExitCode == 0, first.Stderr);
        Assert.True(secondExitCode == 0, second.Stderr);
        Assert.Equal(Sequence(1, 12), Seqs(first.Events));
        Assert.Equal(Sequence(1, 12), Seqs(second.Events));
    }

    [Fact]
    public async Task Subscribe_AnotherTenantsJob_RefusedAsNotFoundAndNothingDelivered()
    {
        (Guid ownerId, _) = await host.CreateTenantAsync();
        (_, string otherKey) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, ownerId);
        await worker.AppendStepsAsync(3);

        await using NodeSignalRClient intruder = NodeSignalRClient.Start(host.BaseAddress, otherKey, worker.JobId, "--stop-after", "1");
        int exitCode = await intruder.WaitForExitAsync();
        await using NodeSignalRClient unknown = NodeSignalRClient.Start(host.BaseAddress, otherKey, Guid.NewGuid(), "--stop-after", "1");
        int unknownExitCode = await unknown.WaitForExitAsync();

        Assert.Equal(2, exitCode);
        JsonElement error = intruder.Lines.Single(line => NodeSignalRClient.Kind(line) == "error");
        Assert.Equal("subscribe", error.GetProperty("stage").GetString());
        Assert.Contains($"job {worker.JobId} not found", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Empty(intruder.Events);
        // Another tenant's job and a job that does not exist are refused alike.
        Assert.Equal(2, unknownExitCode);
        Assert.Contains("not found", unknown.Lines.Single(line => NodeSignalRClient.Kind(line) == "error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Subscribe_NegativeAfterSeq_Refused()
    {
        (Guid tenantId, string key) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, tenantId);

        await using NodeSignalRClient client = NodeSignalRClient.Start(host.BaseAddress, key, worker.JobId, "--after=-1", "--stop-after", "1");
        int exitCode = await client.WaitForExitAsync();

        Assert.Equal(2, exitCode);
        Assert.Contains("afterSeq must be 0 or more", client.Lines.Single(line => NodeSignalRClient.Kind(line) == "error").GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(null)]
    [InlineData("ft_not-a-real-key")]
    public async Task Connect_WithoutAValidKey_Refused401(string? key)
    {
        (Guid tenantId, _) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, tenantId);

        await using NodeSignalRClient client = NodeSignalRClient.Start(host.BaseAddress, key, worker.JobId, "--stop-after", "1");
        int exitCode = await client.WaitForExitAsync();

        Assert.Equal(3, exitCode);
        JsonElement error = client.Lines.Single(line => NodeSignalRClient.Kind(line) == "error");
        Assert.Equal("connect", error.GetProperty("stage").GetString());
        Assert.Equal(401, error.GetProperty("status").GetInt32());
        Assert.Empty(client.Events);
    }

    [Fact]
    public async Task Negotiate_KeyAsAccessTokenQuery_Accepted()
    {
        (_, string key) = await host.CreateTenantAsync();
        using var http = new HttpClient { BaseAddress = host.BaseAddress };

        using HttpResponseMessage withKey = await http.PostAsync(
            new Uri($"/hubs/jobs/negotiate?negotiateVersion=1&access_token={Uri.EscapeDataString(key)}", UriKind.Relative), null);
        using HttpResponseMessage withoutKey = await http.PostAsync(new Uri("/hubs/jobs/negotiate?negotiateVersion=1", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, withKey.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
    }

    private static long[] Sequence(long first, long last)
    {
        return [.. Enumerable.Range(0, (int)(last - first + 1)).Select(offset => first + offset)];
    }

    private static long[] Seqs(IEnumerable<JsonElement> events)
    {
        return [.. events.Select(line => line.GetProperty("event").GetProperty("seq").GetInt64())];
    }
}
