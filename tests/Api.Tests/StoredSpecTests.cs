using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Contracts.Jobs;
using Npgsql;

namespace FineTune.Api.Tests;

/// <summary>
/// The spec is parsed once, at submit, and stored resolved (<see cref="JobSpecJson"/>); a job stored before that form
/// (the client's JSON as sent) renders exactly as one stored resolved, on the native and the OpenAI surface alike.
/// </summary>
public sealed class StoredSpecTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Submit_StoresTheResolvedSpec_AndAnOlderRawRowRendersTheSame()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string client = $$"""
            {"model":"{{ApiFactory.ModelName}}","training_file":"{{dataset}}","suffix":"stored",
             "hyperparameters":{"learning_rate":"auto","batch_size":"auto","steps":5,"lr_schedule":"linear"},
             "lora":{"r":4,"target_modules":["q_proj","v_proj"]},"metadata":{"team":"qa"},
             "privacy":{"target_epsilon":8,"delta":"auto","audit":{"canaries":50} } }
            """;
        JsonElement created = await (await tenant.Http.PostJsonAsync("/v1/jobs", client)).JsonAsync();
        Guid job = created.GetProperty("id").GetGuid();

        using (JsonDocument stored = JsonDocument.Parse(await ReadSpecAsync(job)))
        {
            Assert.True(JobSpecJson.IsResolved(stored.RootElement));
            Assert.Equal(JobSpecJson.Version, stored.RootElement.GetProperty(JobSpecJson.VersionField).GetInt32());
            JobSpec spec = JobSpecJson.Read(stored.RootElement);
            Assert.True(spec.Config.AutoMicroBatch, "auto stays auto: the worker's device resolves it");
            Assert.Equal(4, spec.Config.Lora.Rank);
        }
        string nativeResolved = await GetTextAsync(tenant, $"/v1/jobs/{job}");
        string openAiResolved = await GetTextAsync(tenant, $"/v1/fine_tuning/jobs/{job}");

        await WriteSpecAsync(job, client);
        string nativeRaw = await GetTextAsync(tenant, $"/v1/jobs/{job}");
        string openAiRaw = await GetTextAsync(tenant, $"/v1/fine_tuning/jobs/{job}");

        Assert.Equal(nativeRaw, nativeResolved);
        Assert.Equal(openAiRaw, openAiResolved);
        Assert.Equal("auto", created.GetProperty("hyperparameters").GetProperty("batch_size").GetString());
    }

    [Fact]
    public async Task Submit_WithAnOpenAiFileId_StoresTheDatasetUuid()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        JsonElement created = await (await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset).Replace(dataset.ToString(), "file-" + dataset.ToString("N"), StringComparison.Ordinal))).JsonAsync();

        using JsonDocument stored = JsonDocument.Parse(await ReadSpecAsync(created.GetProperty("id").GetGuid()));
        // The field keeps its client name, which the dataset deletion's SQL reads (spec ->> 'validation_file').
        Assert.Equal(dataset.ToString(), stored.RootElement.GetProperty("training_file").GetString());
    }

    [Fact]
    public async Task IdempotencyKey_HashesTheClientsJson_NotTheStoredForm()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        string client = ApiTestExtensions.JobSpec(await tenant.Http.UploadDatasetAsync());

        using HttpResponseMessage created = await tenant.Http.PostJsonAsync("/v1/jobs", client, "stored-key");
        Guid job = (await created.JsonAsync()).GetProperty("id").GetGuid();

        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT request_sha256 FROM job_idempotency_key WHERE job_id = @id", connection);
        command.Parameters.AddWithValue("id", job);
        byte[] stored = (byte[])(await command.ExecuteScalarAsync())!;
        using JsonDocument body = JsonDocument.Parse(client);
        Assert.Equal(System.Security.Cryptography.SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(body.RootElement)), stored);
    }

    private async Task<string> ReadSpecAsync(Guid job)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("SELECT spec::text FROM job WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", job);
        return (string)(await command.ExecuteScalarAsync())!;
    }

    // As a row stored before the resolved form: the client's JSON itself.
    private async Task WriteSpecAsync(Guid job, string spec)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand("UPDATE job SET spec = @spec::jsonb WHERE id = @id", connection);
        command.Parameters.AddWithValue("id", job);
        command.Parameters.AddWithValue("spec", spec);
        Assert.Equal(1, await command.ExecuteNonQueryAsync());
    }

    private static async Task<string> GetTextAsync(TenantClient tenant, string path)
    {
        using HttpResponseMessage response = await tenant.Http.GetAsync(path);
        response.EnsureSuccessStatusCode();
        return await response.Content.ReadAsStringAsync();
    }
}
