using System.Diagnostics;
using System.Text;
using FineTune.Api.Datasets;
using FineTune.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;
using Xunit.Abstractions;

namespace FineTune.Api.Tests;

/// <summary>
/// The reliability probe's slow-upload attack, on a real socket: 120 uploads under one key trickle in at 300 B/s.
/// Staged bodies hold no database connection, so other tenants' requests keep answering: within a second on average.
/// </summary>
public sealed class SlowClientTests(KestrelApiFactory factory, ITestOutputHelper output) : IClassFixture<KestrelApiFactory>
{
    private const int TricklingUploads = 120;

    [Fact]
    public async Task HundredTwentyTricklingUploads_OtherTenantsAnswerWithinOneSecond()
    {
        using TenantClient slow = await factory.CreateTenantClientAsync();
        using TenantClient other = await factory.CreateTenantClientAsync();
        Guid otherDataset = await other.Http.UploadDatasetAsync();
        UploadSlots slots = factory.Services.GetRequiredService<UploadSlots>();
        // Longer than the test: none of them finishes, so all stay in flight until cancelled.
        byte[] body = Encoding.UTF8.GetBytes(string.Concat(Enumerable.Repeat(ApiTestExtensions.ChatJsonl, 40)));
        using var stop = new CancellationTokenSource();
        List<Task> trickles = Enumerable.Range(0, TricklingUploads).Select(_ => TrickledUploads.TrickleAsync(slow.Http, body, stop.Token)).ToList();
        try
        {
            await TrickledUploads.WaitUntilAsync(() => slots.InFlight(slow.TenantId) == TricklingUploads, TimeSpan.FromSeconds(60));

            var timings = new List<(string Request, double Ms)>();
            for (int round = 0; round < 5; round++)
            {
                timings.Add(await TimeAsync("GET /v1/jobs", () => other.Http.GetAsync("/v1/jobs")));
                timings.Add(await TimeAsync("GET /v1/datasets", () => other.Http.GetAsync("/v1/datasets")));
                timings.Add(await TimeAsync("POST /v1/datasets", () => other.Http.UploadRawAsync(ApiTestExtensions.ChatJsonl)));
                timings.Add(await TimeAsync("POST /v1/jobs", () => other.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(otherDataset))));
            }
            long connections = await CountDatabaseConnectionsAsync();
            int inFlight = slots.InFlight(slow.TenantId);

            output.WriteLine($"{inFlight} uploads trickling; {connections} database connections in use; other tenant's requests (ms):");
            foreach (IGrouping<string, (string Request, double Ms)> request in timings.GroupBy(timing => timing.Request))
            {
                output.WriteLine($"  {request.Key}: max {request.Max(timing => timing.Ms):F0}, mean {request.Average(timing => timing.Ms):F0}");
            }
            // Kestrel drops a client slower than its minimum data rate (240 B/s after a grace period); on a loaded
            // machine a trickle may dip below it, which is the server defending itself, not a failure.
            Assert.InRange(inFlight, TricklingUploads * 9 / 10, TricklingUploads);
            // Starvation (a connection held per upload) would show as requests waiting out the pool's 15 s timeout, or
            // failing; a loaded 2-core CI machine running other test assemblies beside this one has shown a single
            // 1.1 s answer (mean 290 ms). So: a second on average, and no single request near the pool's timeout.
            Assert.True(timings.Average(timing => timing.Ms) < 1000, $"other tenant's requests took {timings.Average(timing => timing.Ms):F0} ms on average");
            Assert.All(timings, timing => Assert.True(timing.Ms < 5000, $"{timing.Request} took {timing.Ms:F0} ms"));
            // Connections in use (busy or in a transaction), not idle ones resting in the pool: none is held per upload.
            Assert.True(connections < 10, $"{connections} database connections in use while {inFlight} uploads trickle");
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(trickles);
        }
        await TrickledUploads.WaitUntilAsync(() => slots.InFlight(slow.TenantId) == 0, TimeSpan.FromSeconds(30));
        Assert.Equal(0, await CountDatasetsAsync(slow.TenantId));
    }

    private static async Task<(string Request, double Ms)> TimeAsync(string request, Func<Task<HttpResponseMessage>> send)
    {
        var watch = Stopwatch.StartNew();
        using HttpResponseMessage response = await send();
        double ms = watch.Elapsed.TotalMilliseconds;
        Assert.True(response.IsSuccessStatusCode, $"{request}: {(int)response.StatusCode} {await response.Content.ReadAsStringAsync()}");
        return (request, ms);
    }

    private async Task<long> CountDatabaseConnectionsAsync()
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND state <> 'idle' AND pid <> pg_backend_pid()", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    private async Task<long> CountDatasetsAsync(Guid tenantId)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT count(*) FROM dataset WHERE tenant_id = @tenant", connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
