using System.Net.Http.Headers;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests.Hubs;

/// <summary>
/// The event fan-out lag (append to the database → hand-over to a hub subscriber) as <c>/metrics</c> shows it, with a
/// real <c>@microsoft/signalr</c> client subscribed and a worker played through the real queue.
/// </summary>
public sealed class FanOutMetricsTests(KestrelApiHost host) : IClassFixture<KestrelApiHost>
{
    [Fact]
    public async Task LiveEventsToASubscriber_AreCountedInTheFanOutLagHistogram()
    {
        (Guid tenantId, string key) = await host.CreateTenantAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(host.WorkerQueue, tenantId);
        await using NodeSignalRClient client = NodeSignalRClient.Start(host.BaseAddress, key, worker.JobId, "--stop-after", "8");
        await client.WaitForAsync("subscribed");

        await worker.AppendStepsAsync(8);
        int exitCode = await client.WaitForExitAsync();
        using HttpClient admin = new() { BaseAddress = host.BaseAddress };
        admin.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", await AdminKeyAsync());
        string text = await admin.GetStringAsync(new Uri("/metrics", UriKind.Relative));

        Assert.True(exitCode == 0, client.Stderr);
        Assert.True(MetricsEndpointTests.Value(text, "finetune_events_fanout_lag_seconds_count", "") >= 8, text);
        double sum = MetricsEndpointTests.Value(text, "finetune_events_fanout_lag_seconds_sum", "");
        // Each live event reached the subscriber within seconds of its append (on a loaded 2-core machine).
        Assert.InRange(sum, 0, 8 * 10.0);
    }

    private async Task<string> AdminKeyAsync()
    {
        using IServiceScope scope = host.Services.CreateScope();
        TenantStore tenants = scope.ServiceProvider.GetRequiredService<TenantStore>();
        Tenant tenant = await tenants.CreateTenantAsync("operators-" + Guid.NewGuid().ToString("N"), CancellationToken.None);
        return (await tenants.IssueApiKeyAsync(tenant.Id, "prometheus", admin: true, CancellationToken.None)).Token;
    }
}
