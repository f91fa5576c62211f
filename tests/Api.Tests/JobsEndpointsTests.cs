using System.Net;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Queue;

namespace FineTune.Api.Tests;

public sealed class JobsEndpointsTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Create_ValidSpec_Returns201Queued()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset, ""","metadata":{"team":"qa"}"""));

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement job = await response.JsonAsync();
        Assert.Equal("fine_tuning.job", job.GetProperty("object").GetString());
        Assert.Equal("queued", job.GetProperty("status").GetString());
        Assert.Equal(ApiFactory.ModelName, job.GetProperty("model").GetString());
        Assert.Equal(dataset.ToString(), job.GetProperty("training_file").GetString());
        Assert.Equal("libtorch-cpu", job.GetProperty("backend").GetString());
        Assert.Equal(3, job.GetProperty("hyperparameters").GetProperty("steps").GetInt64());
        Assert.Equal(2, job.GetProperty("hyperparameters").GetProperty("batch_size").GetInt32());
        Assert.Equal("cosine", job.GetProperty("hyperparameters").GetProperty("lr_schedule").GetString());
        Assert.Equal(8, job.GetProperty("lora").GetProperty("r").GetInt32());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("privacy").ValueKind);
        Assert.Equal("qa", job.GetProperty("metadata").GetProperty("team").GetString());
        Assert.Equal(JsonValueKind.Null, job.GetProperty("error").ValueKind);
        Assert.Equal($"/v1/jobs/{job.GetProperty("id").GetGuid()}", response.Headers.Location?.OriginalString);
    }

    [Fact]
    public async Task Create_AutoAndPrivacy_ShowsThemResolved()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string spec = $$$"""
            {"model":"{{{ApiFactory.ModelName}}}","training_file":"{{{dataset}}}",
             "hyperparameters":{"learning_rate":"auto","batch_size":"auto"},
             "privacy":{"target_epsilon":8,"delta":"auto"}}
            """;

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", spec);

        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        JsonElement job = await response.JsonAsync();
        Assert.Equal("auto", job.GetProperty("hyperparameters").GetProperty("learning_rate").GetString());
        Assert.Equal("auto", job.GetProperty("hyperparameters").GetProperty("batch_size").GetString());
        JsonElement privacy = job.GetProperty("privacy");
        Assert.Equal(8, privacy.GetProperty("target_epsilon").GetDouble());
        Assert.Equal("auto", privacy.GetProperty("delta").GetString());
        Assert.Equal("rdp", privacy.GetProperty("accountant").GetString());
        Assert.Equal(JsonValueKind.Null, privacy.GetProperty("epsilon_spent").ValueKind);
    }

    [Theory]
    [InlineData(""","learning_rate":0.1""", "learning_rate")]
    [InlineData(""","hyperparameters":{"steps":3,"warmup":0.1}""", "hyperparameters.warmup")]
    [InlineData(""","lora":{"rank":4}""", "lora.rank")]
    public async Task Create_UnknownField_Is422NamingIt(string extra, string field)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string spec = $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"{{dataset}}"{{extra}}}""";

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", spec);

        await AssertInvalidAsync(response, field);
    }

    [Fact]
    public async Task Create_UnsupportedBackendOption_Is422NamingIt()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync(
            "/v1/jobs", ApiTestExtensions.JobSpec(dataset, ""","backend":"libtorch-cpu","backend_options":{"dtype":"bf16"}"""));

        await AssertInvalidAsync(response, "backend_options.dtype");
    }

    [Fact]
    public async Task Create_UnknownBackend_Is422()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset, ""","backend":"tpu" """));

        await AssertInvalidAsync(response, "backend");
    }

    [Fact]
    public async Task Create_UnknownModel_Is422()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", $$"""{"model":"no-such-model","training_file":"{{dataset}}"}""");

        await AssertInvalidAsync(response, "model");
    }

    [Theory]
    [InlineData("not-a-guid")]
    [InlineData("0197a3c2-5b1e-7c4d-9e2f-1a2b3c4d5e6f")]
    public async Task Create_UnknownDataset_Is422(string trainingFile)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"{{trainingFile}}"}""");

        await AssertInvalidAsync(response, "training_file");
    }

    [Fact]
    public async Task Create_AnotherTenantsDatasets_Is422()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid theirs = await owner.Http.UploadDatasetAsync();
        Guid mine = await stranger.Http.UploadDatasetAsync();

        using HttpResponseMessage training = await stranger.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(theirs));
        using HttpResponseMessage validation = await stranger.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(mine, $$""","validation_file":"{{theirs}}" """));

        await AssertInvalidAsync(training, "training_file");
        await AssertInvalidAsync(validation, "validation_file");
    }

    [Fact]
    public async Task Create_UnknownModelAndDataset_Is422NamingBoth()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", $$"""{"model":"no-such-model","training_file":"{{Guid.CreateVersion7()}}"}""");

        await AssertInvalidAsync(response, "model");
        await AssertInvalidAsync(response, "training_file");
    }

    [Fact]
    public async Task Create_AnotherTenantsDatasetWithIdempotencyKey_LeavesTheKeyFree()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid theirs = await owner.Http.UploadDatasetAsync();
        Guid mine = await stranger.Http.UploadDatasetAsync();
        string key = "key-" + Guid.NewGuid();

        using HttpResponseMessage refused = await stranger.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(theirs), key);
        using HttpResponseMessage created = await stranger.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(mine), key);

        await AssertInvalidAsync(refused, "training_file");
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
    }

    [Theory]
    [InlineData("{not json")]
    [InlineData("")]
    public async Task Create_MalformedBody_Is400Problem(string body)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", body);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Create_SameIdempotencyKeyAndBody_ReplaysTheJob()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string spec = ApiTestExtensions.JobSpec(dataset);

        using HttpResponseMessage first = await tenant.Http.PostJsonAsync("/v1/jobs", spec, "key-1");
        using HttpResponseMessage second = await tenant.Http.PostJsonAsync("/v1/jobs", spec.Replace(",", ", ", StringComparison.Ordinal), "key-1");
        using HttpResponseMessage other = await tenant.Http.PostJsonAsync("/v1/jobs", spec, "key-2");
        JsonElement list = await (await tenant.Http.GetAsync("/v1/jobs")).JsonAsync();

        Assert.Equal(HttpStatusCode.Created, first.StatusCode);
        Assert.Equal(HttpStatusCode.OK, second.StatusCode);
        Assert.Equal("true", second.Headers.GetValues("Idempotent-Replayed").Single());
        Guid id = (await first.JsonAsync()).GetProperty("id").GetGuid();
        Assert.Equal(id, (await second.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(HttpStatusCode.Created, other.StatusCode);
        Assert.NotEqual(id, (await other.JsonAsync()).GetProperty("id").GetGuid());
        Assert.Equal(2, list.GetProperty("data").GetArrayLength());
    }

    [Fact]
    public async Task Create_SameIdempotencyKeyDifferentBody_Is422()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset), "key-1");

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset, ""","seed":7"""), "key-1");

        await AssertInvalidAsync(response, "Idempotency-Key");
    }

    [Fact]
    public async Task Create_OverlongIdempotencyKey_Is400()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();

        using HttpResponseMessage response = await tenant.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(dataset), new string('k', 256));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty("Idempotency-Key", out _));
    }

    [Fact]
    public async Task Create_IdempotencyKeysAreScopedByTenant()
    {
        using TenantClient first = await factory.CreateTenantClientAsync();
        using TenantClient second = await factory.CreateTenantClientAsync();
        Guid firstDataset = await first.Http.UploadDatasetAsync();
        Guid secondDataset = await second.Http.UploadDatasetAsync();

        using HttpResponseMessage a = await first.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(firstDataset), "shared-key");
        using HttpResponseMessage b = await second.Http.PostJsonAsync("/v1/jobs", ApiTestExtensions.JobSpec(secondDataset), "shared-key");

        Assert.Equal(HttpStatusCode.Created, a.StatusCode);
        Assert.Equal(HttpStatusCode.Created, b.StatusCode);
    }

    [Fact]
    public async Task Create_ConcurrentRequestsWithOneKey_MakeOneJob()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        string spec = ApiTestExtensions.JobSpec(dataset);

        HttpResponseMessage[] responses = await Task.WhenAll(Enumerable.Range(0, 6).Select(_ => tenant.Http.PostJsonAsync("/v1/jobs", spec, "race")));

        Guid[] ids = await Task.WhenAll(responses.Select(async response => (await response.JsonAsync()).GetProperty("id").GetGuid()));
        Assert.Single(ids.Distinct());
        Assert.Single(responses, response => response.StatusCode == HttpStatusCode.Created);
        Assert.All(responses, response => response.Dispose());
    }

    [Fact]
    public async Task List_PaginatesWithCursorAndFiltersByStatus()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        var ids = new List<Guid>();
        for (int i = 0; i < 5; i++)
        {
            ids.Add(await tenant.Http.CreateJobAsync(dataset));
        }
        await tenant.Http.PostAsync(new Uri($"/v1/jobs/{ids[0]}/cancel", UriKind.Relative), null);

        var seen = new List<Guid>();
        string path = "/v1/jobs?limit=2";
        int pages = 0;
        while (true)
        {
            JsonElement page = await (await tenant.Http.GetAsync(path)).JsonAsync();
            pages++;
            seen.AddRange(page.GetProperty("data").EnumerateArray().Select(job => job.GetProperty("id").GetGuid()));
            if (!page.GetProperty("has_more").GetBoolean())
            {
                break;
            }
            path = $"/v1/jobs?limit=2&after={seen[^1]}";
        }
        JsonElement cancelled = await (await tenant.Http.GetAsync("/v1/jobs?status=cancelled")).JsonAsync();
        JsonElement queued = await (await tenant.Http.GetAsync("/v1/jobs?status=queued&limit=100")).JsonAsync();

        Assert.Equal(3, pages);
        Assert.Equal(ids.OrderDescending(), seen);
        Assert.Equal(ids[0], Assert.Single(cancelled.GetProperty("data").EnumerateArray()).GetProperty("id").GetGuid());
        Assert.Equal(4, queued.GetProperty("data").GetArrayLength());
    }

    [Theory]
    [InlineData("/v1/jobs?limit=0", "limit")]
    [InlineData("/v1/jobs?limit=101", "limit")]
    [InlineData("/v1/jobs?status=done", "status")]
    public async Task List_BadQuery_Is400Problem(string path, string parameter)
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync(path);

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True((await response.JsonAsync()).GetProperty("errors").TryGetProperty(parameter, out _));
    }

    [Fact]
    public async Task List_MalformedCursor_Is400Problem()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();

        using HttpResponseMessage response = await tenant.Http.GetAsync("/v1/jobs?after=yesterday");

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Cancel_QueuedJob_IsCancelledAtOnce()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/cancel", UriKind.Relative), null);
        using HttpResponseMessage again = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/cancel", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        JsonElement body = await response.JsonAsync();
        Assert.Equal("cancelled", body.GetProperty("status").GetString());
        Assert.NotEqual(JsonValueKind.Null, body.GetProperty("finished_at").ValueKind);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
    }

    [Fact]
    public async Task Cancel_RunningJob_IsCancellingUntilTheWorkerStops()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/cancel", UriKind.Relative), null);
        LeaseStatus seenByWorker = await factory.Queue.HeartbeatAsync(lease, null, CancellationToken.None);
        await factory.Queue.MarkCancelledAsync(lease, CancellationToken.None);
        JsonElement after = await (await tenant.Http.GetAsync($"/v1/jobs/{job}")).JsonAsync();

        Assert.Equal("cancelling", (await response.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal(LeaseStatus.CancelRequested, seenByWorker);
        Assert.Equal("cancelled", after.GetProperty("status").GetString());
    }

    [Fact]
    public async Task Cancel_SucceededJob_Is409()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        await factory.Queue.CompleteAsync(lease, """{"steps":3,"tokens_seen":96}""", CancellationToken.None);

        using HttpResponseMessage response = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/cancel", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
    }

    [Fact]
    public async Task Get_ShowsWorkerProgressAndResult()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        await factory.Queue.HeartbeatAsync(lease, """{"step":1,"total_steps":4,"tokens_seen":32}""", CancellationToken.None);

        JsonElement running = await (await tenant.Http.GetAsync($"/v1/jobs/{job}")).JsonAsync();
        await factory.Queue.FailAsync(lease, "CUDA out of memory", permanent: true, CancellationToken.None);
        JsonElement failed = await (await tenant.Http.GetAsync($"/v1/jobs/{job}")).JsonAsync();

        Assert.Equal("running", running.GetProperty("status").GetString());
        Assert.Equal(1, running.GetProperty("progress").GetProperty("step").GetInt64());
        Assert.Equal(4, running.GetProperty("progress").GetProperty("total_steps").GetInt64());
        Assert.Equal(25, running.GetProperty("progress").GetProperty("percent").GetDouble());
        Assert.Equal(32, running.GetProperty("trained_tokens").GetInt64());
        Assert.NotEqual(JsonValueKind.Null, running.GetProperty("started_at").ValueKind);
        Assert.Equal("failed", failed.GetProperty("status").GetString());
        Assert.Equal("out_of_memory", failed.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("CUDA out of memory", failed.GetProperty("error").GetProperty("message").GetString());
    }

    [Fact]
    public async Task AnotherTenantsJob_Is404()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid job = await owner.Http.CreateJobAsync(await owner.Http.UploadDatasetAsync());

        using HttpResponseMessage get = await stranger.Http.GetAsync($"/v1/jobs/{job}");
        using HttpResponseMessage cancel = await stranger.Http.PostAsync(new Uri($"/v1/jobs/{job}/cancel", UriKind.Relative), null);
        JsonElement list = await (await stranger.Http.GetAsync("/v1/jobs")).JsonAsync();
        JsonElement stillQueued = await (await owner.Http.GetAsync($"/v1/jobs/{job}")).JsonAsync();

        Assert.Equal(HttpStatusCode.NotFound, get.StatusCode);
        Assert.Equal("application/problem+json", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(HttpStatusCode.NotFound, cancel.StatusCode);
        Assert.Equal(0, list.GetProperty("data").GetArrayLength());
        Assert.Equal("queued", stillQueued.GetProperty("status").GetString());
    }

    private static async Task AssertInvalidAsync(HttpResponseMessage response, string field)
    {
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        JsonElement problem = await response.JsonAsync();
        Assert.True(problem.GetProperty("errors").TryGetProperty(field, out _), $"expected an error for '{field}' in {problem}");
    }
}
