using System.Net;
using System.Text;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;

namespace FineTune.Api.Tests;

/// <summary>414, 431 and 415 are problem+json naming what was wrong, as every other error is.</summary>
public sealed class RequestLimitsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task QueryStringOverTheLimit_Is414ProblemNamingTheUri()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync("/v1/jobs?status=" + new string('a', 9000));

        await AssertProblemNamingAsync(response, HttpStatusCode.RequestUriTooLong, "uri");
    }

    [Fact]
    public async Task HeadersOverTheLimit_Is431ProblemNamingTheLargestHeader()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/v1/jobs", UriKind.Relative));
        request.Headers.Add("X-Padding", new string('p', 40 * 1024));

        using HttpResponseMessage response = await tenant.Http.SendAsync(request);

        await AssertProblemNamingAsync(response, HttpStatusCode.RequestHeaderFieldsTooLarge, "X-Padding");
    }

    [Fact]
    public async Task JobSubmittedAsPlainText_Is415ProblemNamingContentType()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        using var body = new StringContent(ApiTestExtensions.JobSpec(dataset), Encoding.UTF8, "text/plain");

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri("/v1/jobs", UriKind.Relative), body);

        await AssertProblemNamingAsync(response, HttpStatusCode.UnsupportedMediaType, "Content-Type");
    }

    [Theory]
    [InlineData("/v1/jobs?limit=abc", "limit")]
    [InlineData("/v1/jobs?after=abc", "after")]
    [InlineData("/v1/datasets?limit=0", "limit")]
    [InlineData("/v1/jobs?status=bogus", "status")]
    public async Task BadQueryParameter_Is400ProblemNamingIt(string path, string parameter)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync(path);

        await UploadLimitsTests.AssertBadRequestNamingAsync(response, parameter);
    }

    private static async Task AssertProblemNamingAsync(HttpResponseMessage response, HttpStatusCode status, string field)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == status, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(text);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(field, out _), text);
        Assert.Contains(field, problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
