using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FineTune.Api.Tests;

/// <summary>Hangfire as the API sees it: submitted jobs handed over, queued cancels deleted, the operators' dashboard.</summary>
public sealed class HangfireTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Submit_HandsTheJobToHangfireOnItsBackendAndMemoryQueue()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());

        (string state, string queue) = await WaitForHangfireJobAsync(job);

        Assert.Equal("Enqueued", state);
        Assert.Matches("^cpu_[0-9]+g$", queue);
    }

    [Fact]
    public async Task Cancel_QueuedJob_DeletesItsHangfireJobAndEndsItsEventLog()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        await WaitForHangfireJobAsync(job);

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/cancel", UriKind.Relative), null);
        JsonElement events = await (await tenant.Http.GetAsync($"/v1/jobs/{job}/events")).JsonAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("Deleted", (await WaitForHangfireJobAsync(job)).State);
        // A subscriber waiting for the end of the log gets it: the last event says the job is cancelled.
        JsonElement last = events.GetProperty("data").EnumerateArray().Last();
        Assert.Equal("status", last.GetProperty("type").GetString());
        Assert.Equal("cancelled", last.GetProperty("payload").GetProperty("status").GetString());
    }

    [Fact]
    public async Task Dashboard_WithoutKey_Is401AndAsksForTheKey()
    {
        using HttpClient anonymous = factory.CreateClient();

        using HttpResponseMessage response = await anonymous.GetAsync(new Uri("/hangfire", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Contains(response.Headers.WwwAuthenticate, header => header.Scheme == "Basic");
    }

    [Fact]
    public async Task Dashboard_TenantKey_Is403()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage page = await tenant.Http.GetAsync(new Uri("/hangfire", UriKind.Relative));
        using HttpResponseMessage api = await tenant.Http.GetAsync(new Uri("/hangfire/stats", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Forbidden, page.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, api.StatusCode);
    }

    [Fact]
    public async Task Dashboard_AdminKey_OpensIt_AsBearerOrAsTheBasicPassword()
    {
        string key = await IssueAdminKeyAsync();
        using HttpClient bearer = factory.CreateClient();
        bearer.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key);
        using HttpClient basic = factory.CreateClient();
        basic.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:" + key)));
        using HttpClient wrongPassword = factory.CreateClient();
        wrongPassword.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes("operator:ft_wrong")));

        using HttpResponseMessage viaBearer = await bearer.GetAsync(new Uri("/hangfire", UriKind.Relative));
        using HttpResponseMessage viaBasic = await basic.GetAsync(new Uri("/hangfire/jobs/enqueued", UriKind.Relative));
        using HttpResponseMessage refused = await wrongPassword.GetAsync(new Uri("/hangfire", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, viaBearer.StatusCode);
        Assert.Contains("Hangfire", await viaBearer.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, viaBasic.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, refused.StatusCode);
    }

    private async Task<string> IssueAdminKeyAsync()
    {
        using IServiceScope scope = factory.Services.CreateScope();
        TenantStore tenants = scope.ServiceProvider.GetRequiredService<TenantStore>();
        Tenant operators = await tenants.CreateTenantAsync("operators-" + Guid.NewGuid().ToString("N"), CancellationToken.None);
        return (await tenants.IssueApiKeyAsync(operators.Id, "ops", admin: true, CancellationToken.None)).Token;
    }

    private async Task<(string State, string Queue)> WaitForHangfireJobAsync(Guid jobId)
    {
        await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using NpgsqlCommand command = dataSource.CreateCommand(
                "SELECT h.statename, h.invocationdata::text FROM job j JOIN hangfire.job h ON h.id::text = j.hangfire_job_id WHERE j.id = @id");
            command.Parameters.AddWithValue("id", jobId);
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(guard.Token))
            {
                if (await reader.ReadAsync(guard.Token))
                {
                    string state = reader.GetString(0);
                    using JsonDocument invocation = JsonDocument.Parse(reader.GetString(1));
                    string queue = invocation.RootElement.TryGetProperty("Queue", out JsonElement q) && q.ValueKind == JsonValueKind.String ? q.GetString()! : await QueueAsync(dataSource, jobId);
                    return (state, queue);
                }
            }
            await Task.Delay(50, guard.Token);
        }
    }

    private static async Task<string> QueueAsync(NpgsqlDataSource dataSource, Guid jobId)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(
            "SELECT coalesce((SELECT q.queue FROM job j JOIN hangfire.jobqueue q ON q.jobid::text = j.hangfire_job_id WHERE j.id = @id), '')");
        command.Parameters.AddWithValue("id", jobId);
        return (string)(await command.ExecuteScalarAsync())!;
    }
}
