using System.Net;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;

namespace FineTune.Api.Tests;

/// <summary>
/// Specs the API once accepted though no worker could run them (issue 13, finding 8): every one is a 422 naming its
/// field, stores nothing, and leaves the tenant's job list answering.
/// </summary>
public sealed class JobSpecValidationTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    public static TheoryData<string, string> InvalidSpecs => new()
    {
        { "\"hyperparameters\":{\"batch_size\":1000000}", "hyperparameters.batch_size" },
        { "\"hyperparameters\":{\"batch_size\":1e9}", "hyperparameters.batch_size" },
        { "\"lora\":{\"r\":1e9}", "lora.r" },
        { "\"hyperparameters\":{\"learning_rate\":1e300}", "hyperparameters.learning_rate" },
        { "\"hyperparameters\":{\"learning_rate\":1e400}", "hyperparameters.learning_rate" },
        { "\"hyperparameters\":{\"learning_rate\":\"NaN\"}", "hyperparameters.learning_rate" },
        { "\"hyperparameters\":{\"learning_rate\":-0.1}", "hyperparameters.learning_rate" },
        { "\"format\":\"xml\"", "format" },
        { "\"format\":\"parquet\"", "format" },
        { "\"chat_template\":\"vicuna\"", "chat_template" },
        { "\"chat_template\":\"zephyr\"", "chat_template" },
        { "\"hyperparameters\":{\"max_seq_len\":1000000000}", "hyperparameters.max_seq_len" },
        { "\"hyperparameters\":{\"max_seq_len\":4096}", "hyperparameters.max_seq_len" },
        { "\"hyperparameters\":{\"grad_accum\":1000000000}", "hyperparameters.grad_accum" },
        { "\"hyperparameters\":{\"steps\":1e18}", "hyperparameters.steps" },
        { "\"hyperparameters\":{\"steps\":1e400}", "hyperparameters.steps" },
        { "\"hyperparameters\":{\"steps\":-3}", "hyperparameters.steps" },
        { "\"hyperparameters\":{\"n_epochs\":\"NaN\"}", "hyperparameters.n_epochs" },
        { "\"lora\":{\"alpha\":1e400}", "lora.alpha" },
        { "\"lora\":{\"dropout\":-0.5}", "lora.dropout" },
        { "\"privacy\":{\"target_epsilon\":1e400}", "privacy.target_epsilon" },
        { "\"privacy\":{\"target_epsilon\":8,\"delta\":2}", "privacy.delta" },
        { "\"privacy\":{\"noise_multiplier\":-1}", "privacy.noise_multiplier" },
        { "\"seed\":1e400", "seed" },
    };

    [Theory]
    [MemberData(nameof(InvalidSpecs))]
    public async Task Create_InvalidNumberOrName_Is422NamingTheFieldAndStoresNothing(string fields, string field)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string spec = $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"{{dataset}}",{{fields}}}""";

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", spec);
        using HttpResponseMessage list = await tenant.Http.GetAsync("/v1/jobs");

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await response.JsonAsync();
        JsonElement errors = problem.GetProperty("errors");
        Assert.True(errors.TryGetProperty(field, out JsonElement messages), $"expected an error for '{field}' in {problem}");
        Assert.Contains(field, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain("System.", problem.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("(Parameter", messages.ToString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(0, (await list.JsonAsync()).GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Create_MaxSeqLenAboveTheModel_NamesTheModelsLimit()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string spec = $$$"""{"model":"{{{ApiFactory.ModelName}}}","training_file":"{{{dataset}}}","hyperparameters":{"max_seq_len":1024}}""";

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", spec);

        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        string message = (await response.JsonAsync()).GetProperty("errors").GetProperty("hyperparameters.max_seq_len")[0].GetString()!;
        Assert.Contains("max_position_embeddings", message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Get_StoredSpecWithAnInfiniteNumber_StillRenders()
    {
        // A row from before the bounds (or written around the API): its job and the list holding it still answer.
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string spec = $$$"""{"model":"{{{ApiFactory.ModelName}}}","training_file":"{{{dataset}}}","hyperparameters":{"learning_rate":1e400,"steps":1e400}}""";
        Job stored = await factory.Queue.EnqueueAsync(new NewJob(tenant.TenantId, "train.lora", spec, "libtorch-cpu"), CancellationToken.None);

        using HttpResponseMessage get = await tenant.Http.GetAsync($"/v1/jobs/{stored.Id}");
        using HttpResponseMessage list = await tenant.Http.GetAsync("/v1/jobs");

        Assert.Equal(HttpStatusCode.OK, get.StatusCode);
        JsonElement job = await get.JsonAsync();
        Assert.Equal(ApiFactory.ModelName, job.GetProperty("model").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("hyperparameters").ValueKind);
        Assert.Equal(HttpStatusCode.OK, list.StatusCode);
        Assert.Equal(stored.Id, Assert.Single((await list.JsonAsync()).GetProperty("data").EnumerateArray()).GetProperty("id").GetGuid());
    }
}
