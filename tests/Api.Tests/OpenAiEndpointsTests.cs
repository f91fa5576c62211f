using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests;

/// <summary>
/// The OpenAI-compatible routes in the details the SDK end-to-end tests (tests/Cli.Tests/OpenAi*) do not reach:
/// either id form on either surface, OpenAI's error shape for framework errors, purpose checks, strict fields, and
/// the mapping of a native validation error back to the OpenAI parameter.
/// </summary>
public sealed class OpenAiEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Ids_EitherFormWorksOnEitherSurface()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string fileId = "file-" + dataset.ToString("N");

        JsonElement created = await (await tenant.Http.PostJsonAsync("/v1/fine_tuning/jobs", $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"{{fileId}}","suffix":"s1"}""")).JsonAsync();
        string jobId = created.GetProperty("id").GetString()!;
        Guid job = Guid.ParseExact(jobId["ftjob-".Length..], "N");

        Assert.Equal(fileId, created.GetProperty("training_file").GetString());
        Assert.Equal("auto", created.GetProperty("hyperparameters").GetProperty("n_epochs").GetString());
        Assert.Equal(job, (await (await tenant.Http.GetAsync($"/v1/jobs/{jobId}")).JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(dataset, (await (await tenant.Http.GetAsync($"/v1/datasets/{fileId}")).JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(jobId, (await (await tenant.Http.GetAsync($"/v1/fine_tuning/jobs/{job}")).JsonAsync()).GetProperty("id").GetString());
        Assert.Equal(fileId, (await (await tenant.Http.GetAsync($"/v1/files/{dataset}")).JsonAsync()).GetProperty("id").GetString());
        // A native job may name the file by its OpenAI id; the stored spec holds the UUID the worker reads.
        Guid nativeJob = await tenant.Http.CreateJobAsync(dataset);
        JsonElement native = await (await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset).Replace(dataset.ToString(), fileId, StringComparison.Ordinal))).JsonAsync();
        Assert.Equal(dataset.ToString(), native.GetProperty("training_file").GetString());
        // Native paging takes a prefixed cursor too.
        JsonElement page = await (await tenant.Http.GetAsync($"/v1/jobs?after=ftjob-{nativeJob:N}")).JsonAsync();
        Assert.Equal([job], page.GetProperty("data").EnumerateArray().Select(item => item.GetProperty("id").GetGuid()));
    }

    [Fact]
    public async Task Errors_AreOpenAisShape_OnlyOnTheOpenAiRoutes()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using HttpClient anonymous = factory.CreateClient();

        HttpResponseMessage unauthorised = await anonymous.GetAsync("/v1/fine_tuning/jobs");
        JsonElement error = (await unauthorised.JsonAsync()).GetProperty("error");
        Assert.Equal(HttpStatusCode.Unauthorized, unauthorised.StatusCode);
        Assert.Equal("authentication_error", error.GetProperty("type").GetString());
        Assert.Contains("API key", error.GetProperty("message").GetString(), StringComparison.Ordinal);

        HttpResponseMessage missing = await tenant.Http.GetAsync("/v1/files/file-00000000000000000000000000000000");
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
        Assert.Equal("not_found", (await missing.JsonAsync()).GetProperty("error").GetProperty("code").GetString());

        HttpResponseMessage badLimit = await tenant.Http.GetAsync("/v1/fine_tuning/jobs?limit=abc");
        JsonElement bind = (await badLimit.JsonAsync()).GetProperty("error");
        Assert.Equal(HttpStatusCode.BadRequest, badLimit.StatusCode);
        Assert.Equal("limit", bind.GetProperty("param").GetString());

        // The native routes keep problem+json.
        HttpResponseMessage nativeMissing = await tenant.Http.GetAsync($"/v1/jobs/{Guid.NewGuid()}");
        Assert.Equal("application/problem+json", nativeMissing.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task ModelsRetrieve_BaseAndOwnFineTunedModels_NeverAnotherTenants()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        using HttpClient anonymous = factory.CreateClient();
        Guid dataset = await owner.Http.UploadDatasetAsync();
        JsonElement created = await (await owner.Http.PostJsonAsync("/v1/fine_tuning/jobs", $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"file-{{dataset:N}}","suffix":"kept"}""")).JsonAsync();
        Guid job = Guid.ParseExact(created.GetProperty("id").GetString()!["ftjob-".Length..], "N");
        string name = $"ft:{ApiFactory.ModelName}:kept:{job:N}";
        HttpResponseMessage beforeItSucceeded = await owner.Http.GetAsync($"/v1/models/{name}");
        await factory.Queue.CompleteAsync(await factory.Queue.ClaimAsync(job), """{"steps": 3}""", CancellationToken.None);

        JsonElement listed = (await (await owner.Http.GetAsync("/v1/models")).JsonAsync()).GetProperty("data").EnumerateArray().Single(entry => entry.GetProperty("id").GetString() == name);
        HttpResponseMessage fineTuned = await owner.Http.GetAsync($"/v1/models/{name}");
        HttpResponseMessage baseModel = await owner.Http.GetAsync($"/v1/models/{ApiFactory.ModelName}");
        HttpResponseMessage strangers = await stranger.Http.GetAsync($"/v1/models/{name}");
        HttpResponseMessage edited = await owner.Http.GetAsync($"/v1/models/ft:{ApiFactory.ModelName}:other:{job:N}");
        HttpResponseMessage unknown = await owner.Http.GetAsync("/v1/models/gpt-4o-mini");
        HttpResponseMessage withoutKey = await anonymous.GetAsync($"/v1/models/{ApiFactory.ModelName}");

        Assert.Equal(HttpStatusCode.OK, fineTuned.StatusCode);
        Assert.Equal(listed.GetRawText(), (await fineTuned.JsonAsync()).GetRawText());
        Assert.Equal(ApiFactory.ModelName, (await baseModel.JsonAsync()).GetProperty("id").GetString());
        Assert.Equal("finetune", (await baseModel.JsonAsync()).GetProperty("owned_by").GetString());
        foreach (HttpResponseMessage missing in new[] { beforeItSucceeded, strangers, edited, unknown })
        {
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            JsonElement error = (await missing.JsonAsync()).GetProperty("error");
            Assert.Equal("not_found", error.GetProperty("code").GetString());
            Assert.Equal("model", error.GetProperty("param").GetString());
        }
        Assert.Contains("gpt-4o-mini", (await unknown.JsonAsync()).GetProperty("error").GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal("authentication_error", (await withoutKey.JsonAsync()).GetProperty("error").GetProperty("type").GetString());
    }

    [Fact]
    public async Task ModelsDelete_OwnFineTunedModel_DeletesTheAdapterAndKeepsTheJob()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        using HttpClient anonymous = factory.CreateClient();
        ArtifactStore artifacts = factory.Services.GetRequiredService<ArtifactStore>();
        Guid dataset = await owner.Http.UploadDatasetAsync();
        JsonElement created = await (await owner.Http.PostJsonAsync("/v1/fine_tuning/jobs", $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"file-{{dataset:N}}","suffix":"gone"}""")).JsonAsync();
        Guid job = Guid.ParseExact(created.GetProperty("id").GetString()!["ftjob-".Length..], "N");
        string name = $"ft:{ApiFactory.ModelName}:gone:{job:N}";
        JobLease lease = await factory.Queue.ClaimAsync(job);
        await artifacts.WriteAsync(lease, "adapter_model.safetensors", ArtifactKind.Output, "application/octet-stream", new MemoryStream([1, 2, 3]), CancellationToken.None);
        await artifacts.WriteAsync(lease, "adapter_config.json", ArtifactKind.Output, "application/json", new MemoryStream("{}"u8.ToArray()), CancellationToken.None);
        await artifacts.WriteAsync(lease, "result.json", ArtifactKind.Output, "application/json", new MemoryStream("{}"u8.ToArray()), CancellationToken.None);
        await factory.Queue.CompleteAsync(lease, """{"steps": 3}""", CancellationToken.None);

        HttpResponseMessage byStranger = await stranger.Http.DeleteAsync($"/v1/models/{name}");
        HttpResponseMessage baseModel = await owner.Http.DeleteAsync($"/v1/models/{ApiFactory.ModelName}");
        HttpResponseMessage withoutKey = await anonymous.DeleteAsync($"/v1/models/{name}");
        HttpResponseMessage deleted = await owner.Http.DeleteAsync($"/v1/models/{name}");
        HttpResponseMessage again = await owner.Http.DeleteAsync($"/v1/models/{name}");

        Assert.Equal(HttpStatusCode.NotFound, byStranger.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, baseModel.StatusCode);
        Assert.Equal("permission_denied", (await baseModel.JsonAsync()).GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(HttpStatusCode.Unauthorized, withoutKey.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        Assert.Equal($$"""{"id":"{{name}}","object":"model","deleted":true}""", (await deleted.JsonAsync()).GetRawText());
        Assert.Equal(HttpStatusCode.NotFound, again.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await owner.Http.GetAsync($"/v1/models/{name}")).StatusCode);
        JsonElement listed = (await (await owner.Http.GetAsync("/v1/models")).JsonAsync()).GetProperty("data");
        Assert.DoesNotContain(listed.EnumerateArray(), entry => entry.GetProperty("id").GetString() == name);
        // The job, its other files and its name stay, as on OpenAI; only the adapter's files are gone.
        JsonElement stillThere = await (await owner.Http.GetAsync($"/v1/fine_tuning/jobs/ftjob-{job:N}")).JsonAsync();
        Assert.Equal("succeeded", stillThere.GetProperty("status").GetString());
        Assert.Equal(name, stillThere.GetProperty("fine_tuned_model").GetString());
        Assert.Equal(["result.json"], (await artifacts.ListAsync(owner.TenantId, job, CancellationToken.None)).Select(artifact => artifact.Name));
    }

    [Fact]
    public async Task CheckpointsList_SucceededJob_ListsItsFinalStepFirst_AsOpenAiDoes()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        JsonElement created = await (await tenant.Http.PostJsonAsync("/v1/fine_tuning/jobs", $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"file-{{dataset:N}}"}""")).JsonAsync();
        string jobId = created.GetProperty("id").GetString()!;
        Guid job = Guid.ParseExact(jobId["ftjob-".Length..], "N");
        JobLease lease = await factory.Queue.ClaimAsync(job);
        Checkpoint epoch = await factory.Queue.SaveCheckpointAsync(lease, 2, null, "{}", CancellationToken.None);
        string path = $"/v1/fine_tuning/jobs/{jobId}/checkpoints";
        JsonElement whileRunning = await (await tenant.Http.GetAsync(path)).JsonAsync();
        await factory.Queue.CompleteAsync(lease, """{"steps": 5}""", CancellationToken.None);

        JsonElement all = await (await tenant.Http.GetAsync(path)).JsonAsync();
        JsonElement first = await (await tenant.Http.GetAsync($"{path}?limit=1")).JsonAsync();
        string finalId = first.GetProperty("data")[0].GetProperty("id").GetString()!;
        JsonElement rest = await (await tenant.Http.GetAsync($"{path}?limit=1&after={finalId}")).JsonAsync();
        HttpResponseMessage unknownCursor = await tenant.Http.GetAsync($"{path}?after=ftckpt-{Guid.NewGuid():N}");

        Assert.Equal([2L], whileRunning.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("step_number").GetInt64()));
        Assert.Equal([5L, 2], all.GetProperty("data").EnumerateArray().Select(c => c.GetProperty("step_number").GetInt64()));
        Assert.EndsWith(":ckpt-step-5", all.GetProperty("data")[0].GetProperty("fine_tuned_model_checkpoint").GetString(), StringComparison.Ordinal);
        Assert.True(first.GetProperty("has_more").GetBoolean());
        Assert.Equal($"ftckpt-{epoch.Id:N}", Assert.Single(rest.GetProperty("data").EnumerateArray()).GetProperty("id").GetString());
        Assert.False(rest.GetProperty("has_more").GetBoolean());
        Assert.Equal(HttpStatusCode.BadRequest, unknownCursor.StatusCode);
    }

    [Theory]
    [InlineData("POST", "/v1/chat/completions")]
    [InlineData("POST", "/v1/embeddings")]
    [InlineData("GET", "/v1/batches")]
    public async Task OpenAisOtherApis_AreOpenAiShaped404sSayingInferenceIsNotServed(string method, string path)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using var request = new HttpRequestMessage(new HttpMethod(method), path);
        if (method == "POST")
        {
            request.Content = new StringContent("""{"model":"tinystories-656k","messages":[{"role":"user","content":"hi"}]}""", Encoding.UTF8, "application/json");
        }

        using HttpResponseMessage response = await tenant.Http.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
        JsonElement error = (await response.JsonAsync()).GetProperty("error");
        Assert.Equal("unknown_url", error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains($"not {method} {path}", error.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Contains("does not run inference", error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"method":{"type":"dpo","dpo":{}}}""", "method.type", "unsupported_method")]
    [InlineData("""{"method":{"type":"supervised","supervised":{"hyperparameters":{"n_epochs":0}}}}""", "method.supervised.hyperparameters.n_epochs", "invalid_value")]
    [InlineData("""{"hyperparameters":{"learning_rate_multiplier":1e6}}""", "hyperparameters.learning_rate_multiplier", "invalid_value")]
    [InlineData("""{"hyperparameters":{"batch_size":"auto","max_seq_len":100000000}}""", "hyperparameters.max_seq_len", "invalid_value")]
    [InlineData("""{"learning_rate":0.1}""", "learning_rate", "unknown_parameter")]
    [InlineData("""{"integrations":[{"type":"wandb"}]}""", "integrations", "unsupported_parameter")]
    [InlineData("""{"suffix":"has space"}""", "suffix", "invalid_value")]
    public async Task Create_InvalidRequest_Is400NamingTheOpenAiParameter(string extra, string param, string code)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string body = $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"file-{{dataset:N}}",""" + extra[1..];

        HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/fine_tuning/jobs", body);

        JsonElement error = (await response.JsonAsync()).GetProperty("error");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal(param, error.GetProperty("param").GetString());
        Assert.Equal(code, error.GetProperty("code").GetString());
        Assert.Equal("invalid_request_error", error.GetProperty("type").GetString());
        Assert.Contains(param.Split('.')[^1], error.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task UploadFile_PurposeAfterTheFileAndWrong_StoresNothing()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using var form = new MultipartFormDataContent();
        var file = new ByteArrayContent(Encoding.UTF8.GetBytes(ApiTestExtensions.ChatJsonl));
        file.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        form.Add(file, "file", "train.jsonl");
        form.Add(new StringContent("assistants"), "purpose");

        HttpResponseMessage response = await tenant.Http.PostAsync("/v1/files", form);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("purpose", (await response.JsonAsync()).GetProperty("error").GetProperty("param").GetString());
        JsonElement files = await (await tenant.Http.GetAsync("/v1/files")).JsonAsync();
        Assert.Empty(files.GetProperty("data").EnumerateArray());
    }

    [Fact]
    public async Task Events_NewestFirst_PagedByEventId()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        Persistence.Queue.JobLease lease = await factory.Queue.ClaimAsync(job);
        for (int step = 1; step <= 3; step++)
        {
            await factory.Queue.AppendEventAsync(lease, "step", $$"""{"step":{{step}},"total_steps":3,"loss":{{4 - (step * 0.5)}}}""", CancellationToken.None);
        }

        JsonElement first = await (await tenant.Http.GetAsync($"/v1/fine_tuning/jobs/ftjob-{job:N}/events?limit=2")).JsonAsync();
        string last = first.GetProperty("data")[1].GetProperty("id").GetString()!;
        JsonElement second = await (await tenant.Http.GetAsync($"/v1/fine_tuning/jobs/ftjob-{job:N}/events?limit=2&after={last}")).JsonAsync();

        JsonElement newest = first.GetProperty("data")[0];
        Assert.Equal("metrics", newest.GetProperty("type").GetString());
        Assert.Equal("Step 3/3: training loss=2.5", newest.GetProperty("message").GetString());
        Assert.Equal(2.5, newest.GetProperty("data").GetProperty("train_loss").GetDouble());
        Assert.True(first.GetProperty("has_more").GetBoolean());
        List<string> ids = [.. first.GetProperty("data").EnumerateArray().Concat(second.GetProperty("data").EnumerateArray()).Select(entry => entry.GetProperty("id").GetString()!)];
        Assert.Equal(ids.Count, ids.Distinct().Count());
        Assert.Equal(ids.OrderByDescending(id => long.Parse(id[(id.LastIndexOf('-') + 1)..], System.Globalization.CultureInfo.InvariantCulture)), ids);
    }
}
