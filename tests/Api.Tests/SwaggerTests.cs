using System.Net;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;

namespace FineTune.Api.Tests;

public sealed class SwaggerTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task SwaggerJson_DocumentsEveryRouteAndTheBearerScheme()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement document = await response.JsonAsync();
        JsonElement paths = document.GetProperty("paths");
        (string Path, string Method)[] expected =
        [
            ("/v1/datasets", "post"), ("/v1/datasets", "get"), ("/v1/datasets/{datasetId}", "get"), ("/v1/datasets/{datasetId}", "delete"),
            ("/v1/models", "get"), ("/v1/backends", "get"), ("/v1/workers", "get"),
            ("/v1/jobs", "post"), ("/v1/jobs", "get"), ("/v1/jobs/{jobId}", "get"), ("/v1/jobs/{jobId}/cancel", "post"),
            ("/v1/jobs/{jobId}/events", "get"), ("/v1/jobs/{jobId}/checkpoints", "get"), ("/v1/jobs/{jobId}/artifacts", "get"),
            ("/v1/jobs/{jobId}/artifacts/{name}", "get"), ("/healthz", "get"), ("/readyz", "get"),
        ];
        foreach ((string path, string method) in expected)
        {
            Assert.True(paths.TryGetProperty(path, out JsonElement item), $"{path} is not documented");
            Assert.True(item.TryGetProperty(method, out JsonElement operation), $"{method} {path} is not documented");
            Assert.False(string.IsNullOrEmpty(operation.GetProperty("summary").GetString()));
            if (path.StartsWith("/v1/", StringComparison.Ordinal))
            {
                Assert.True(operation.TryGetProperty("security", out JsonElement security), $"{method} {path} has no security");
                Assert.True(security[0].TryGetProperty("Bearer", out _));
                Assert.True(operation.GetProperty("responses").TryGetProperty("401", out _));
            }
        }
        JsonElement scheme = document.GetProperty("components").GetProperty("securitySchemes").GetProperty("Bearer");
        Assert.Equal("http", scheme.GetProperty("type").GetString());
        Assert.Equal("bearer", scheme.GetProperty("scheme").GetString());
    }

    [Fact]
    public async Task SwaggerJson_SchemasAreSnakeCaseWithExamples()
    {
        using HttpClient client = factory.CreateClient();

        JsonElement document = await (await client.GetAsync(new Uri("/swagger/v1/swagger.json", UriKind.Relative))).JsonAsync();

        JsonElement job = document.GetProperty("components").GetProperty("schemas").GetProperty("JobDto");
        Assert.True(job.GetProperty("properties").TryGetProperty("training_file", out _));
        Assert.True(job.TryGetProperty("example", out JsonElement example) || job.TryGetProperty("examples", out example));
        string text = example.ToString();
        Assert.Contains("fine_tuning.job", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task SwaggerUi_IsServed()
    {
        using HttpClient client = factory.CreateClient();

        using HttpResponseMessage response = await client.GetAsync(new Uri("/swagger/index.html", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }
}
