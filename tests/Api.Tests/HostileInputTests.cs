using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Npgsql;
using Xunit.Abstractions;

namespace FineTune.Api.Tests;

/// <summary>
/// Hundreds of generated hostile datasets and job specs (seeded, so a failure replays): every one is a 4xx
/// problem+json that names a line, a field or a limit, none is a 500, and nothing of them is stored.
/// </summary>
public sealed class HostileInputTests(HostileInputTests.Factory factory, ITestOutputHelper output) : IClassFixture<HostileInputTests.Factory>
{
    private const int Seed = 1313;

    [Fact]
    public async Task GeneratedHostileDatasetsAndSpecs_AreAll4xxNamingWhatIsWrong_AndStoreNothing()
    {
        using TenantClient victim = await factory.CreateTenantClientAsync();
        using TenantClient attacker = await factory.CreateTenantClientAsync();
        Guid victimsDataset = await victim.Http.UploadDatasetAsync();
        Guid ownDataset = await attacker.Http.UploadDatasetAsync();
        var random = new Random(Seed);
        List<HostileCase> datasets = HostileDatasets.Generate(random);
        List<HostileCase> specs = HostileSpecs.Generate(random, ownDataset, victimsDataset);

        var failures = new List<string>();
        var statuses = new Dictionary<int, int>();
        foreach (HostileCase hostile in datasets.Concat(specs))
        {
            using HttpResponseMessage response = await SendAsync(attacker.Http, hostile);
            string text = await response.Content.ReadAsStringAsync();
            statuses[(int)response.StatusCode] = statuses.GetValueOrDefault((int)response.StatusCode) + 1;
            if (Check(response, text) is { } problem)
            {
                failures.Add($"{hostile.Name}: {problem} ({(int)response.StatusCode}: {Shorten(text)})");
            }
        }

        output.WriteLine($"{datasets.Count} datasets, {specs.Count} job specs (seed {Seed}); statuses: "
            + string.Join(", ", statuses.OrderBy(pair => pair.Key).Select(pair => $"{pair.Key} x {pair.Value}")));
        Assert.True(datasets.Count + specs.Count >= 200, "at least 200 hostile inputs");
        Assert.True(failures.Count == 0, string.Join("\n", failures));
        // Only the one good dataset uploaded above; no job, no idempotency key, no chunk of a refused upload.
        Assert.Equal(1, await CountAsync("SELECT count(*) FROM dataset WHERE tenant_id = @tenant", attacker.TenantId));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM job WHERE tenant_id = @tenant", attacker.TenantId));
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM job_idempotency_key WHERE tenant_id = @tenant", attacker.TenantId));
        Assert.Equal(1, await CountAsync("SELECT count(DISTINCT c.dataset_id) FROM dataset_chunk c JOIN dataset d ON d.id = c.dataset_id WHERE d.tenant_id = @tenant", attacker.TenantId));
    }

    // Null when the answer is what a hostile input must get; else what is wrong with it.
    private static string? Check(HttpResponseMessage response, string text)
    {
        int status = (int)response.StatusCode;
        if (status is < 400 or >= 500)
        {
            return "not a 4xx";
        }
        if (response.Content.Headers.ContentType?.MediaType != "application/problem+json")
        {
            return "not problem+json";
        }
        using JsonDocument document = JsonDocument.Parse(text);
        JsonElement problem = document.RootElement;
        string detail = problem.TryGetProperty("detail", out JsonElement d) ? d.GetString() ?? "" : "";
        if (detail.Length == 0)
        {
            return "no detail";
        }
        if (detail.Contains("System.", StringComparison.Ordinal) || detail.Contains("Exception", StringComparison.Ordinal))
        {
            return ".NET names in the detail";
        }
        bool namesSomething = (problem.TryGetProperty("errors", out JsonElement errors) && errors.ValueKind switch
            {
                JsonValueKind.Object => errors.EnumerateObject().Any(),
                // Record errors carry their line or field; file-level ones (empty file, empty array) name the file's fault.
                JsonValueKind.Array => errors.EnumerateArray().Any(),
                _ => false,
            })
            || problem.TryGetProperty("max_bytes", out _)
            || problem.TryGetProperty("line", out _);
        return namesSomething ? null : "names no field, line or limit";
    }

    private static async Task<HttpResponseMessage> SendAsync(HttpClient client, HostileCase hostile)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(hostile.Path, UriKind.Relative)) { Content = hostile.Body() };
        if (hostile.IdempotencyKey is { } key)
        {
            request.Headers.TryAddWithoutValidation("Idempotency-Key", key);
        }
        return await client.SendAsync(request);
    }

    private static string Shorten(string text) => text.Length <= 300 ? text : text[..300] + "...";

    private async Task<long> CountAsync(string sql, Guid tenantId)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("tenant", tenantId);
        return (long)(await command.ExecuteScalarAsync())!;
    }

    /// <summary>The host of <see cref="ApiFactory"/>, rate limits out of the way: a burst of hundreds is the point.</summary>
    public sealed class Factory : ApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ApiOptions:RateLimitBurst", "100000");
        }
    }
}

/// <summary>One hostile request: where it goes and a fresh body for it.</summary>
internal sealed record HostileCase(string Name, string Path, Func<HttpContent> Body, string? IdempotencyKey = null)
{
    public static HostileCase Dataset(string name, byte[] bytes, string contentType = "application/jsonl", string query = "")
    {
        return new HostileCase($"dataset {name}", "/v1/datasets?name=hostile" + query, () =>
        {
            var content = new ByteArrayContent(bytes);
            content.Headers.ContentType = new MediaTypeHeaderValue(contentType);
            return content;
        });
    }

    public static HostileCase Spec(string name, string json, string? idempotencyKey = null)
    {
        return new HostileCase($"spec {name}", "/v1/jobs", () => new StringContent(json, Encoding.UTF8, "application/json"), idempotencyKey);
    }
}
