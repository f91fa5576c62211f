using System.Net;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;

namespace FineTune.Api.Tests;

/// <summary>The 400s and 404s the framework writes carry a detail that names the parameter or the path.</summary>
public sealed class ProblemDefaultsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Theory]
    [InlineData("/v1/jobs?after=abc", "after", "abc")]
    [InlineData("/v1/datasets?after=abc", "after", "abc")]
    [InlineData("/v1/jobs?limit=many", "limit", "many")]
    [InlineData("/v1/jobs/0190c2a4-5c1e-7000-8000-000000000000/events?after=abc", "after", "abc")]
    public async Task Get_QueryValueThatDoesNotBind_Is400NamingIt(string path, string parameter, string value)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await response.JsonAsync();
        Assert.StartsWith($"{parameter}: '{value}' is not", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.True(problem.GetProperty("errors").TryGetProperty(parameter, out _), problem.ToString());
        Assert.DoesNotContain("Nullable", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem.ToString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/v1/jobs/not-a-uuid")]
    [InlineData("/v1/datasets/42")]
    [InlineData("/v1/no-such-route")]
    [InlineData("/nowhere")]
    public async Task Get_PathNoRouteMatches_Is404WithADetail(string path)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        string detail = (await response.JsonAsync()).GetProperty("detail").GetString()!;
        Assert.Contains(path, detail, StringComparison.Ordinal);
        Assert.Contains("UUID", detail, StringComparison.Ordinal);
    }
}
