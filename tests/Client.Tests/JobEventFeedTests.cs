using System.Text.Json.Nodes;
using FineTune.Api.Tests.Hubs;
using Microsoft.AspNetCore.SignalR;

namespace FineTune.Client.Tests;

/// <summary>
/// <see cref="JobEventFeed"/> and <see cref="FineTuneClient"/> against the real API host on Kestrel and a real
/// Postgres, with a worker played through the real queue (each append one transaction and one NOTIFY).
/// </summary>
public sealed class JobEventFeedTests(KestrelApiHost host) : IClassFixture<KestrelApiHost>
{
    private static readonly TimeSpan s_wait = TimeSpan.FromSeconds(30);

    [Fact]
    public async Task Subscribe_AfterSeq_GetsTheStoredRestThenLiveEventsInOrderOnce()
    {
        (Guid tenantId, string key) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, tenantId);
        await worker.AppendStepsAsync(5);

        await using JobEventFeed feed = await JobEventFeed.SubscribeAsync(host.BaseAddress.ToString(), key, worker.JobId, afterSeq: 2, CancellationToken.None);
        await worker.AppendStepsAsync(5);
        var received = new List<JsonObject>();
        while (received.Count < 8)
        {
            received.Add(await feed.NextAsync(s_wait, CancellationToken.None) ?? throw new TimeoutException($"{received.Count} of 8 events in {s_wait}"));
        }

        Assert.Equal(Enumerable.Range(3, 8).Select(seq => (long)seq), received.Select(e => e["seq"]!.GetValue<long>()));
        Assert.Equal(Enumerable.Range(3, 8).Select(step => (long)step), received.Select(e => e["payload"]!["step"]!.GetValue<long>()));
        Assert.All(received, e => Assert.Equal("step", e["type"]!.GetValue<string>()));
        Assert.Equal(10, feed.LastSeq);
        Assert.Null(await feed.NextAsync(TimeSpan.FromMilliseconds(300), CancellationToken.None));
    }

    [Fact]
    public async Task ConnectionDropped_ReconnectsAndResubscribesFromTheLastSeq_MissingAndRepeatingNothing()
    {
        (Guid tenantId, string key) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, tenantId);
        using var relay = new TcpRelay(host.BaseAddress);
        await using JobEventFeed feed = await JobEventFeed.SubscribeAsync(relay.Address.ToString(), key, worker.JobId, afterSeq: 0, CancellationToken.None);
        await worker.AppendStepsAsync(3);
        List<long> seqs = await ReadSeqsAsync(feed, 3);

        relay.DropAll();
        await worker.AppendStepsAsync(4);
        seqs.AddRange(await ReadSeqsAsync(feed, 4));

        Assert.Equal(Enumerable.Range(1, 7).Select(seq => (long)seq), seqs);
        Assert.Null(await feed.NextAsync(TimeSpan.FromMilliseconds(500), CancellationToken.None));
    }

    [Fact]
    public async Task Subscribe_AnotherTenantsJob_IsRefusedNamingTheJob()
    {
        (Guid ownerId, _) = await host.CreateTenantAsync();
        (_, string otherKey) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, ownerId);

        HubException refused = await Assert.ThrowsAsync<HubException>(
            () => JobEventFeed.SubscribeAsync(host.BaseAddress.ToString(), otherKey, worker.JobId, afterSeq: 0, CancellationToken.None));

        Assert.Contains($"job {worker.JobId} not found", refused.Message, StringComparison.Ordinal);
    }

    private static async Task<List<long>> ReadSeqsAsync(JobEventFeed feed, int count)
    {
        var seqs = new List<long>();
        while (seqs.Count < count)
        {
            JsonObject jobEvent = await feed.NextAsync(s_wait, CancellationToken.None) ?? throw new TimeoutException($"{seqs.Count} of {count} events in {s_wait}");
            seqs.Add(jobEvent["seq"]!.GetValue<long>());
        }
        return seqs;
    }

    [Fact]
    public async Task FineTuneClient_ProblemAnswer_BecomesOneMessageWithStatusAndTitle()
    {
        (_, string key) = await host.CreateTenantAsync();
        using var client = new FineTuneClient(host.BaseAddress.ToString(), key);

        HttpRequestException error = await Assert.ThrowsAsync<HttpRequestException>(() => client.GetJobAsync(Guid.NewGuid().ToString(), CancellationToken.None));

        Assert.Equal(System.Net.HttpStatusCode.NotFound, error.StatusCode);
        Assert.StartsWith("404 Not Found — ", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', error.Message);
    }
}
