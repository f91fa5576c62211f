using System.Net;
using System.Net.Http.Headers;
using System.Text;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Tenancy;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTune.Api.Tests;

public sealed class AuthenticationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    // Every /v1 route, with IDs that need not exist: authentication runs before any lookup.
    public static TheoryData<string, string> Routes => new()
    {
        { "POST", "/v1/datasets" },
        { "GET", "/v1/datasets" },
        { "GET", $"/v1/datasets/{Guid.NewGuid()}" },
        { "DELETE", $"/v1/datasets/{Guid.NewGuid()}" },
        { "GET", "/v1/models" },
        { "GET", "/v1/backends" },
        { "POST", "/v1/jobs" },
        { "GET", "/v1/jobs" },
        { "GET", $"/v1/jobs/{Guid.NewGuid()}" },
        { "POST", $"/v1/jobs/{Guid.NewGuid()}/cancel" },
        { "GET", $"/v1/jobs/{Guid.NewGuid()}/events" },
        { "GET", $"/v1/jobs/{Guid.NewGuid()}/checkpoints" },
        { "GET", $"/v1/jobs/{Guid.NewGuid()}/artifacts" },
        { "GET", $"/v1/jobs/{Guid.NewGuid()}/artifacts/adapter_model.safetensors" },
        { "GET", "/v1/workers" },
    };

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_WithoutKey_Is401Problem(string method, string path)
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.SendAsync(Request(method, path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal("Bearer", response.Headers.WwwAuthenticate.Single().Scheme);
    }

    [Theory]
    [MemberData(nameof(Routes))]
    public async Task Route_WithUnknownKey_Is401Problem(string method, string path)
    {
        using HttpClient client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ft_not-a-real-key-0000000000000000000000000");

        using HttpResponseMessage response = await client.SendAsync(Request(method, path));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Contains("invalid_token", response.Headers.WwwAuthenticate.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Route_WithValidKey_Succeeds()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task AccessTokenQuery_OutsideHubs_IsNotAccepted()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using HttpClient anonymous = factory.CreateClient();

        using HttpResponseMessage response = await anonymous.GetAsync(new Uri("/v1/models?access_token=" + tenant.ApiKey, UriKind.Relative));

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    [Fact]
    public async Task AccessTokenQuery_UnderHubs_Authenticates()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using HttpClient anonymous = factory.CreateClient();

        using HttpResponseMessage withToken = await anonymous.PostAsync(new Uri("/hubs/jobs/negotiate?negotiateVersion=1&access_token=" + tenant.ApiKey, UriKind.Relative), null);
        using HttpResponseMessage withoutToken = await anonymous.PostAsync(new Uri("/hubs/jobs/negotiate?negotiateVersion=1", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, withToken.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutToken.StatusCode);
    }

    [Fact]
    public async Task Keys_AreNeverLogged()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        var logs = new CapturingLoggerProvider();
        // The framework's request lines are Warning by default; an operator may raise them, and keys stay out then too.
        using WebApplicationFactory<Program> logged = factory.WithWebHostBuilder(builder => builder
            .UseSetting($"Logging:LogLevel:{Extensions.FrameworkLogCategory}", "Debug")
            .ConfigureLogging(logging => logging.AddProvider(logs)));
        using HttpClient client = logged.CreateClient();
        const string badKey = "ft_bad-key-that-must-not-be-logged-000000000";

        using HttpResponseMessage good = await client.SendAsync(WithKey(HttpMethod.Get, "/v1/models", tenant.ApiKey));
        using HttpResponseMessage bad = await client.SendAsync(WithKey(HttpMethod.Get, "/v1/models", badKey));
        using HttpResponseMessage hub = await client.PostAsync(new Uri("/hubs/jobs/negotiate?negotiateVersion=1&access_token=" + tenant.ApiKey, UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal(HttpStatusCode.OK, hub.StatusCode);
        Assert.NotEmpty(logs.Lines);
        Assert.DoesNotContain(logs.Lines, line => line.Contains(tenant.ApiKey, StringComparison.Ordinal) || line.Contains(badKey, StringComparison.Ordinal));
    }

    [Fact]
    public async Task RevokedKey_Is401()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using (IServiceScope scope = factory.Services.CreateScope())
        {
            TenantStore store = scope.ServiceProvider.GetRequiredService<TenantStore>();
            foreach (ApiKey key in await store.ListApiKeysAsync(tenant.TenantId, CancellationToken.None))
            {
                await store.RevokeApiKeyAsync(tenant.TenantId, key.Id, CancellationToken.None);
            }
        }

        using HttpResponseMessage response = await tenant.Http.GetAsync("/v1/models");

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static HttpRequestMessage WithKey(HttpMethod method, string path, string key)
    {
        var request = new HttpRequestMessage(method, new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", key);
        return request;
    }

    private static HttpRequestMessage Request(string method, string path)
    {
        var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        if (method == "POST")
        {
            request.Content = new StringContent("{}", Encoding.UTF8, "application/json");
        }
        return request;
    }
}
