using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.Api.Contracts;
using FineTune.Api.Tests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests;

public sealed class HealthEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Healthz_RunningHost_ReturnsOk()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        HealthStatus? body = await response.Content.ReadFromJsonAsync<HealthStatus>();
        Assert.Equal("ok", body?.Status);
    }

    [Fact]
    public async Task Readyz_MigratedDatabase_ReturnsReady()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.JsonAsync();
        Assert.Equal("ready", body.GetProperty("status").GetString());
        Assert.True(body.GetProperty("database").GetBoolean());
        Assert.Equal(0, body.GetProperty("pending_migrations").GetArrayLength());
    }

    [Fact]
    public async Task Readyz_WhileStartUpHoldsTheGate_Is503NamingWhatItWaitsFor()
    {
        using HttpClient client = factory.CreateClient();
        StartupGate gate = factory.Services.GetRequiredService<StartupGate>();

        gate.Hold("the default tenant's API key is not written yet");
        HttpStatusCode held;
        string detail;
        try
        {
            using HttpResponseMessage response = await client.GetAsync(new Uri("/readyz", UriKind.Relative));
            held = response.StatusCode;
            detail = (await response.JsonAsync()).GetProperty("detail").GetString()!;
        }
        finally
        {
            gate.Release();
        }
        using HttpResponseMessage released = await client.GetAsync(new Uri("/readyz", UriKind.Relative));

        Assert.Equal(HttpStatusCode.ServiceUnavailable, held);
        Assert.Contains("API key", detail, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, released.StatusCode);
    }

    [Fact]
    public async Task UnknownRoute_ReturnsNotFoundProblem()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(new Uri("/v1/nothing-here", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }
}
