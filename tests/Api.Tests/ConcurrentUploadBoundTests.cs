using System.Net;
using System.Text;
using System.Text.Json;
using FineTune.Api.Datasets;
using FineTune.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests;

/// <summary>
/// The per-tenant bound on uploads in flight (ApiOptions:MaxConcurrentUploadsPerTenant), on a real Kestrel socket:
/// TestServer hands the app whole bodies, so only real connections keep uploads in flight while their bodies trickle.
/// </summary>
public sealed class ConcurrentUploadBoundTests(BoundedUploadsApiFactory factory) : IClassFixture<BoundedUploadsApiFactory>
{
    [Fact]
    public async Task UploadPastTheTenantsBound_Is429NamingTheLimit_WhileAnotherTenantUploads()
    {
        int bound = factory.MaxConcurrentUploads;
        using TenantClient busy = await factory.CreateTenantClientAsync();
        using TenantClient other = await factory.CreateTenantClientAsync();
        UploadSlots slots = factory.Services.GetRequiredService<UploadSlots>();
        // Bodies far longer than the test at 300 B/s: they stay in flight until cancelled.
        byte[] body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(ApiTestExtensions.ChatJsonl, 40)));
        using var stop = new CancellationTokenSource();
        List<Task> trickles = Enumerable.Range(0, bound).Select(_ => TrickledUploads.TrickleAsync(busy.Http, body, stop.Token)).ToList();
        try
        {
            await TrickledUploads.WaitUntilAsync(() => slots.InFlight(busy.TenantId) == bound, TimeSpan.FromSeconds(30));

            using HttpResponseMessage refused = await busy.Http.UploadRawAsync(ApiTestExtensions.ChatJsonl);
            string text = await refused.Content.ReadAsStringAsync();
            Assert.True(refused.StatusCode == HttpStatusCode.TooManyRequests, $"{(int)refused.StatusCode}: {text}");
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta > TimeSpan.Zero, "no Retry-After");
            using JsonDocument problem = JsonDocument.Parse(text);
            string detail = problem.RootElement.GetProperty("detail").GetString()!;
            Assert.Contains("MaxConcurrentUploadsPerTenant", detail, StringComparison.Ordinal);
            Assert.Contains($"{bound} uploads in flight", detail, StringComparison.Ordinal);
            Assert.Equal(bound, slots.InFlight(busy.TenantId));

            // Another tenant's uploads are not counted against the busy one's bound: its own complete upload is stored.
            using HttpResponseMessage accepted = await other.Http.UploadRawAsync(ApiTestExtensions.ChatJsonl);
            Assert.True(accepted.StatusCode == HttpStatusCode.Created, $"{(int)accepted.StatusCode}: {await accepted.Content.ReadAsStringAsync()}");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(trickles);
        }
        // The bound counts uploads in flight, not uploads made: once the trickles end, the tenant uploads again.
        await TrickledUploads.WaitUntilAsync(() => slots.InFlight(busy.TenantId) == 0, TimeSpan.FromSeconds(30));
        using HttpResponseMessage after = await busy.Http.UploadRawAsync(ApiTestExtensions.ChatJsonl);
        Assert.Equal(HttpStatusCode.Created, after.StatusCode);
    }
}
