using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Privacy;

namespace FineTune.Api.Tests;

/// <summary><c>POST /v1/privacy/epsilon</c>: the dashboard's privacy calculator, answered by the trainer's accountants.</summary>
public sealed class PrivacyEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData("rdp")]
    [InlineData("gdp")]
    public async Task Epsilon_IsWhatTheAccountantChargesForThePlan(string mechanism)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        HttpResponseMessage response = await tenant.Http.PostAsJsonAsync("/v1/privacy/epsilon", new
        {
            noise_multiplier = 1.1, expected_batch_size = 64, dataset_size = 6400, steps = 500, delta = 1e-5, accountant = mechanism,
        });

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.JsonAsync();
        IPrivacyAccountant expected = PrivacyAccountants.Create(mechanism);
        for (int step = 0; step < 500; step++)
        {
            expected.Step(1.1, 0.01);
        }

        Assert.Equal(expected.GetEpsilon(1e-5), body.GetProperty("epsilon").GetDouble(), 9);
        Assert.Equal(0.01, body.GetProperty("sample_rate").GetDouble(), 12);
        Assert.Equal(mechanism, body.GetProperty("accountant").GetString());
    }

    [Fact]
    public async Task Epsilon_FallsAsNoiseRises()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        double low = await EpsilonAsync(tenant, 0.8);
        double high = await EpsilonAsync(tenant, 2.0);

        Assert.True(high < low, $"ε at σ=2.0 ({high}) should be below ε at σ=0.8 ({low})");
    }

    [Theory]
    [InlineData("{\"noise_multiplier\":0,\"expected_batch_size\":8,\"dataset_size\":100,\"steps\":10,\"delta\":1e-5}", "noise_multiplier")]
    [InlineData("{\"noise_multiplier\":1,\"expected_batch_size\":200,\"dataset_size\":100,\"steps\":10,\"delta\":1e-5}", "expected_batch_size")]
    [InlineData("{\"noise_multiplier\":1,\"expected_batch_size\":8,\"dataset_size\":100,\"steps\":10,\"delta\":1.5}", "delta")]
    [InlineData("{\"noise_multiplier\":1,\"expected_batch_size\":8,\"dataset_size\":100,\"delta\":1e-5}", "steps")]
    [InlineData("{\"noise_multiplier\":1,\"expected_batch_size\":8,\"dataset_size\":100,\"steps\":10,\"delta\":1e-5,\"accountant\":\"moments\"}", "accountant")]
    public async Task BadPlan_Is422NamingTheField(string json, string field)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        HttpResponseMessage response = await tenant.Http.PostAsync(
            "/v1/privacy/epsilon", new StringContent(json, System.Text.Encoding.UTF8, "application/json"));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(field, out _));
    }

    [Fact]
    public async Task WithoutKey_Is401()
    {
        using HttpClient anonymous = factory.CreateClient();

        HttpResponseMessage response = await anonymous.PostAsJsonAsync("/v1/privacy/epsilon", new { noise_multiplier = 1.0 });

        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
    }

    private static async Task<double> EpsilonAsync(TenantClient tenant, double sigma)
    {
        HttpResponseMessage response = await tenant.Http.PostAsJsonAsync("/v1/privacy/epsilon", new
        {
            noise_multiplier = sigma, expected_batch_size = 16, dataset_size = 1000, steps = 200, delta = 1e-5,
        });
        return (await response.JsonAsync()).GetProperty("epsilon").GetDouble();
    }
}
