using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using Npgsql;

namespace FineTune.Api.Tests;

/// <summary>
/// Uploads that would hurt the service: a line with no end, more uploads in flight than a tenant may have, malformed
/// multipart bodies and names Postgres cannot store. Each is a 4xx problem naming what is wrong, and stores nothing.
/// </summary>
public sealed class UploadLimitsTests(LimitsApiFactory factory) : IClassFixture<LimitsApiFactory>
{
    [Fact]
    public async Task Upload_LineOverTheLineLimit_Is413NamingLineAndLimit_StoresNothing()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string content = """{"text":"a short first line"}""" + "\n" + """{"text":" """ + new string('x', 3 * LimitsApiFactory.MaxLineBytes) + "\"}\n";

        using HttpResponseMessage response = await tenant.Http.UploadRawAsync(content);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await response.JsonAsync();
        Assert.Equal(2, problem.GetProperty("line").GetInt32());
        Assert.Equal(LimitsApiFactory.MaxLineBytes, problem.GetProperty("max_line_bytes").GetInt32());
        Assert.Contains("line 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, await CountDatasetsAsync(tenant.TenantId));
    }

    [Fact]
    public async Task Upload_HundredMegabytesWithNoNewline_Is413AtLineOne_BeforeTheBodyEnds()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using var body = new GeneratedContent(100L * 1024 * 1024, (byte)'x');
        body.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri("/v1/datasets?name=one-line.jsonl", UriKind.Relative), body);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(0, await CountDatasetsAsync(tenant.TenantId));
    }

    [Fact]
    public async Task Upload_MultipartWithAWrongBoundary_Is400NamingTheBody()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string body = "--other\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n" + ApiTestExtensions.ChatJsonl + "\r\n--other--\r\n";
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=declared");

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri("/v1/datasets", UriKind.Relative), content);

        await AssertBadRequestNamingAsync(response, "body");
        Assert.Equal(0, await CountDatasetsAsync(tenant.TenantId));
    }

    [Fact]
    public async Task Upload_MultipartCutShort_Is400NamingThePart()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        // The file part never ends: no closing boundary follows its content.
        string body = "--b\r\nContent-Disposition: form-data; name=\"file\"; filename=\"a.jsonl\"\r\n\r\n" + ApiTestExtensions.ChatJsonl;
        using var content = new StringContent(body, Encoding.UTF8);
        content.Headers.ContentType = MediaTypeHeaderValue.Parse("multipart/form-data; boundary=b");

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri("/v1/datasets", UriKind.Relative), content);

        await AssertBadRequestNamingAsync(response, "file");
        Assert.Equal(0, await CountDatasetsAsync(tenant.TenantId));
    }

    [Theory]
    [InlineData("bad\0name.jsonl")]
    [InlineData("tab\tname.jsonl")]
    public async Task Upload_NameWithAControlCharacter_Is400NamingName(string name)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.UploadRawAsync(ApiTestExtensions.ChatJsonl, name: name);

        await AssertBadRequestNamingAsync(response, "name");
        Assert.Equal(0, await CountDatasetsAsync(tenant.TenantId));
    }

    internal static async Task AssertBadRequestNamingAsync(HttpResponseMessage response, string parameter)
    {
        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.BadRequest, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using JsonDocument problem = JsonDocument.Parse(text);
        Assert.True(problem.RootElement.GetProperty("errors").TryGetProperty(parameter, out _), text);
        Assert.StartsWith(parameter + ":", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
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
