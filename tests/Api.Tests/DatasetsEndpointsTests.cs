using System.Net;
using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;

namespace FineTune.Api.Tests;

public sealed class DatasetsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string AlpacaJson = """
        [
          {"instruction": "Add", "input": "2 and 2", "output": "4"},
          {"instruction": "Greet", "output": "Hello"}
        ]
        """;

    private const string Csv = "city,country,population\nParis,France,2100000\nLyon,France,520000\nNice,France,340000\n";

    [Theory]
    [InlineData(ApiTestExtensions.ChatJsonl, "application/jsonl", "chat.jsonl", "messages", 3)]
    [InlineData(AlpacaJson, "application/json", "alpaca.json", "alpaca", 2)]
    [InlineData(Csv, "text/csv", "cities.csv", "tabular", 3)]
    public async Task Upload_RawBody_Returns201WithCountsAndSha256(string content, string contentType, string name, string format, int records)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.UploadRawAsync(content, contentType, name);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement dataset = await response.JsonAsync();
        byte[] bytes = Encoding.UTF8.GetBytes(content);
        Assert.Equal(format, dataset.GetProperty("format").GetString());
        Assert.Equal(records, dataset.GetProperty("records").GetInt64());
        Assert.Equal(bytes.Length, dataset.GetProperty("bytes").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), dataset.GetProperty("sha256").GetString());
        Assert.Equal(name, dataset.GetProperty("name").GetString());
        Assert.Equal("dataset", dataset.GetProperty("object").GetString());
        Assert.Equal($"/v1/datasets/{dataset.GetProperty("id").GetGuid()}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Upload_Multipart_TakesNameFromFilename()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(ApiTestExtensions.ChatJsonl));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(new StringContent("fine-tune"), "purpose");
        form.Add(file, "file", "support.jsonl");

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri("/v1/datasets", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement dataset = await response.JsonAsync();
        Assert.Equal("support.jsonl", dataset.GetProperty("name").GetString());
        Assert.Equal(3, dataset.GetProperty("records").GetInt64());
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(ApiTestExtensions.ChatJsonl))), dataset.GetProperty("sha256").GetString());
    }

    [Fact]
    public async Task Upload_BadRecord_Is422NamingTheLineAndStoresNothing()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string content = """
            {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}
            {"messages":[{"role":"user","content":"Hi"},{"role":"bot","content":"Hello!"}]}
            {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}
            """;

        using HttpResponseMessage response = await tenant.Http.UploadRawAsync(content);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await response.JsonAsync();
        JsonElement error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.Contains("bot", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.StartsWith("1 error: line 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, (await ListAsync(tenant)).GetProperty("data").GetArrayLength());
        Assert.Equal(0L, await CountChunksAsync());
    }

    [Fact]
    public async Task Upload_JsonlNamedFileThatIsNotJson_Is422NamingTheFile_NotACsvComplaint()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.UploadRawAsync("not json at all\n", name: "notes.jsonl");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        string detail = (await response.JsonAsync()).GetProperty("detail").GetString()!;
        Assert.Contains("'notes.jsonl' is named as JSON (.jsonl) but starts with 'n'", detail, StringComparison.Ordinal);
        Assert.DoesNotContain("CSV file has a header", detail, StringComparison.Ordinal);
        Assert.Equal(0, (await ListAsync(tenant)).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Upload_JsonlWithUnknownKeys_Is422ListingKeysAndFormatsUnlessTabularIsNamed()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string content = "{\"question\":\"1+1?\",\"answer\":\"2\"}\n{\"question\":\"2+2?\",\"answer\":\"4\"}\n";

        using HttpResponseMessage guessed = await tenant.Http.UploadRawAsync(content);
        using HttpResponseMessage named = await tenant.Http.PostAsync(
            new Uri("/v1/datasets?name=qa.jsonl&format=tabular", UriKind.Relative), new StringContent(content));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, guessed.StatusCode);
        Assert.Equal("application/problem+json", guessed.Content.Headers.ContentType?.MediaType);
        JsonElement error = Assert.Single((await guessed.JsonAsync()).GetProperty("errors").EnumerateArray());
        Assert.Equal(1, error.GetProperty("line").GetInt32());
        Assert.StartsWith("the record's fields (question, answer) match no known format", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("prompt_completion 'prompt' and 'completion'", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Created, named.StatusCode);
        Assert.Equal("tabular", (await named.JsonAsync()).GetProperty("format").GetString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("&format=tabular")]
    public async Task Upload_JsonSyntaxErrorOnOneLine_Is422NamingTheLineWhateverTheFormat(string query)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string content = "{\"prompt\":\"a\",\"completion\":\"b\"}\n{\"prompt\":\"c\" \"completion\":\"d\"}\n{\"prompt\":\"e\",\"completion\":\"f\"}\n";

        using HttpResponseMessage response = await tenant.Http.PostAsync(
            new Uri("/v1/datasets?name=broken.jsonl" + query, UriKind.Relative), new StringContent(content));

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        JsonElement problem = await response.JsonAsync();
        JsonElement error = Assert.Single(problem.GetProperty("errors").EnumerateArray());
        Assert.Equal(2, error.GetProperty("line").GetInt32());
        Assert.StartsWith("invalid JSON", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("line 2", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_UnknownFormat_Is400NamingTheParameter()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.PostAsync(
            new Uri("/v1/datasets?name=a.jsonl&format=yaml", UriKind.Relative), new StringContent(ApiTestExtensions.ChatJsonl));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.StartsWith("format: unknown dataset format 'yaml'", (await response.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Upload_ManyBadRecords_ReportsTheFirst100()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string content = string.Concat(Enumerable.Repeat("{\"messages\": 5}\n", 150));

        using HttpResponseMessage response = await tenant.Http.UploadRawAsync(content);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        JsonElement problem = await response.JsonAsync();
        Assert.Equal(100, problem.GetProperty("errors").GetArrayLength());
        Assert.True(problem.GetProperty("errors_truncated").GetBoolean());
        Assert.Equal(1, problem.GetProperty("errors")[0].GetProperty("line").GetInt32());
    }

    [Fact]
    public async Task Upload_EmptyBody_Is422()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.UploadRawAsync("");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
    }

    [Fact]
    public async Task Upload_OverTheLimit_Is413AndStoresNothing()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string line = "{\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"},{\"role\":\"assistant\",\"content\":\"Hello!\"}]}\n";
        string content = string.Concat(Enumerable.Repeat(line, (int)(ApiFactory.MaxDatasetBytes / line.Length) + 10));

        using HttpResponseMessage raw = await tenant.Http.UploadRawAsync(content);
        using var form = new MultipartFormDataContent { { new StringContent(content), "file", "big.jsonl" } };
        using HttpResponseMessage multipart = await tenant.Http.PostAsync(new Uri("/v1/datasets", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, raw.StatusCode);
        Assert.Equal("application/problem+json", raw.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, multipart.StatusCode);
        Assert.Equal(0, (await ListAsync(tenant)).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Multipart_WithoutFile_Is400()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using var form = new MultipartFormDataContent { { new StringContent("fine-tune"), "purpose" } };

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri("/v1/datasets", UriKind.Relative), form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task GetListDelete_OwnDataset_RoundTrips()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid id = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage get = await tenant.Http.GetAsync($"/v1/datasets/{id}");
        JsonElement list = await ListAsync(tenant);
        using HttpResponseMessage delete = await tenant.Http.DeleteAsync(new Uri($"/v1/datasets/{id}", UriKind.Relative));
        using HttpResponseMessage getAfter = await tenant.Http.GetAsync($"/v1/datasets/{id}");

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        Assert.Equal(id, (await get.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal("list", list.GetProperty("object").GetString());
        Assert.Equal(id, Assert.Single(list.GetProperty("data").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.OK, delete.StatusCode);
        Assert.True((await delete.JsonAsync()).GetProperty("deleted").GetBoolean());
        Assert.Equal(HttpStatusCode.NotFound, getAfter.StatusCode);
        Assert.Equal("application/problem+json", getAfter.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task List_Paginates_NewestFirst()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        var ids = new List<Guid>();
        for (int i = 0; i < 3; i++)
        {
            ids.Add(await tenant.Http.UploadDatasetAsync());
        }

        JsonElement first = await (await tenant.Http.GetAsync("/v1/datasets?limit=2")).JsonAsync();
        Guid last = first.GetProperty("data")[1].GetProperty("id").GetGuid();
        JsonElement second = await (await tenant.Http.GetAsync($"/v1/datasets?limit=2&after={last}")).JsonAsync();

        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.False(second.GetProperty("has_more").GetBoolean());
        Guid[] seen = [.. first.GetProperty("data").EnumerateArray().Concat(second.GetProperty("data").EnumerateArray()).Select(d => d.GetProperty("id").GetGuid())];
        Assert.Equal(ids.OrderDescending(), seen);
    }

    [Fact]
    public async Task Delete_DatasetOfAJob_Is409()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid id = await tenant.Http.UploadDatasetAsync();
        await tenant.Http.CreateJobAsync(id);

        using HttpResponseMessage response = await tenant.Http.DeleteAsync(new Uri($"/v1/datasets/{id}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task AnotherTenantsDataset_Is404OnEveryRoute()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid id = await owner.Http.UploadDatasetAsync();

        using HttpResponseMessage get = await stranger.Http.GetAsync($"/v1/datasets/{id}");
        using HttpResponseMessage delete = await stranger.Http.DeleteAsync(new Uri($"/v1/datasets/{id}", UriKind.Relative));
        JsonElement list = await ListAsync(stranger);

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, delete.StatusCode);
        Assert.Equal(0, list.GetProperty("data").GetArrayLength());
        Assert.Equal(HttpStatusCode.OK, (await owner.Http.GetAsync($"/v1/datasets/{id}")).StatusCode);
    }

    private static async Task<JsonElement> ListAsync(TenantClient tenant)
    {
        using HttpResponseMessage response = await tenant.Http.GetAsync("/v1/datasets");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.JsonAsync();
    }

    // Chunks without a dataset row would be the remains of a half-stored upload.
    private async Task<long> CountChunksAsync()
    {
        await using var connection = new Npgsql.NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new Npgsql.NpgsqlCommand("SELECT count(*) FROM dataset_chunk c LEFT JOIN dataset d ON d.id = c.dataset_id WHERE d.id IS NULL", connection);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
