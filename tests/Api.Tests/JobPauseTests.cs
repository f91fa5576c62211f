using System.Net;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Queue;
using Npgsql;

namespace FineTune.Api.Tests;

/// <summary>
/// Pause and resume on both surfaces as the API sees them, against real Postgres and Hangfire storage: a queued job
/// pauses at once (its Hangfire job deleted) and a resume hands it over anew; a running job shows as pausing; a wrong
/// state is refused naming it (409 problem+json natively, OpenAI's 400 <c>invalid_state</c>). The worker's side (stop
/// after a checkpoint, resume without redoing a step) is <c>JobRunnerPauseTests</c>; the SDKs' is tests/Cli.Tests.
/// </summary>
public sealed class JobPauseTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Pause_QueuedJob_PausesAtOnceDeletingItsHangfireJob_AndResumeHandsItOverAnew()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        (string firstDelivery, _) = await WaitForHangfireJobAsync(job, "Enqueued");

        using HttpResponseMessage paused = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/pause", UriKind.Relative), null);
        using HttpResponseMessage again = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/pause", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, paused.StatusCode);
        Assert.Equal("paused", (await paused.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal("Deleted", (await WaitForHangfireJobAsync(job, "Deleted")).State);
        Assert.Equal("paused", (await again.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal("paused", await LastStatusEventAsync(tenant, job));
        // A paused job is not handed to Hangfire again by the dispatcher's sweeps.
        Assert.Equal(firstDelivery, (await WaitForHangfireJobAsync(job, "Deleted")).Id);

        using HttpResponseMessage resumed = await tenant.Http.PostAsync(new Uri($"/v1/fine_tuning/jobs/ftjob-{job:N}/resume", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.OK, resumed.StatusCode);
        Assert.Equal("queued", (await resumed.JsonAsync()).GetProperty("status").GetString());
        (string secondDelivery, string state) = await WaitForHangfireJobAsync(job, "Enqueued");
        Assert.NotEqual(firstDelivery, secondDelivery);
        Assert.Equal("Enqueued", state);
        Assert.Equal("resumed", await LastStatusEventAsync(tenant, job));
    }

    [Fact]
    public async Task PauseAndResume_WrongState_IsRefusedNamingTheState_OnBothSurfaces()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        Guid job = await tenant.Http.CreateJobAsync(dataset);

        using HttpResponseMessage resumeQueued = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/resume", UriKind.Relative), null);
        using HttpResponseMessage resumeQueuedOpenAi = await tenant.Http.PostAsync(new Uri($"/v1/fine_tuning/jobs/ftjob-{job:N}/resume", UriKind.Relative), null);
        using HttpResponseMessage strangersPause = await stranger.Http.PostAsync(new Uri($"/v1/jobs/{job}/pause", UriKind.Relative), null);
        using HttpResponseMessage strangersPauseOpenAi = await stranger.Http.PostAsync(new Uri($"/v1/fine_tuning/jobs/ftjob-{job:N}/pause", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, resumeQueued.StatusCode);
        Assert.Equal("application/problem+json", resumeQueued.Content.Headers.ContentType?.MediaType);
        Assert.Contains("the job is queued; only a paused job can be resumed", (await resumeQueued.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        JsonElement openAiError = (await resumeQueuedOpenAi.JsonAsync()).GetProperty("error");
        Assert.Equal(HttpStatusCode.BadRequest, resumeQueuedOpenAi.StatusCode);
        Assert.Equal("invalid_state", openAiError.GetProperty("code").GetString());
        Assert.Contains("queued", openAiError.GetProperty("message").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, strangersPause.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, strangersPauseOpenAi.StatusCode);

        // Running: the pause is a request until the worker stops; a resume before that is refused.
        JobLease lease = await factory.Queue.ClaimAsync(job);
        using HttpResponseMessage pauseRunning = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/pause", UriKind.Relative), null);
        JsonElement openAiView = await (await tenant.Http.GetAsync($"/v1/fine_tuning/jobs/ftjob-{job:N}")).JsonAsync();
        using HttpResponseMessage resumePausing = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/resume", UriKind.Relative), null);

        Assert.Equal("pausing", (await pauseRunning.JsonAsync()).GetProperty("status").GetString());
        Assert.Equal("running", openAiView.GetProperty("status").GetString());
        Assert.Equal(LeaseStatus.PauseRequested, await factory.Queue.HeartbeatAsync(lease, null, CancellationToken.None));
        Assert.Equal(HttpStatusCode.Conflict, resumePausing.StatusCode);
        Assert.Contains("pausing", (await resumePausing.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        // The list filters by the status jobs show.
        Assert.Contains(job, await ListedAsync(tenant, "pausing"));
        Assert.DoesNotContain(job, await ListedAsync(tenant, "running"));

        // The attempt ends before the worker saw the request: the job succeeded, and a final job cannot pause.
        await factory.Queue.CompleteAsync(lease, """{"steps": 3}""", CancellationToken.None);
        using HttpResponseMessage pauseSucceeded = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/pause", UriKind.Relative), null);
        using HttpResponseMessage pauseSucceededOpenAi = await tenant.Http.PostAsync(new Uri($"/v1/fine_tuning/jobs/ftjob-{job:N}/pause", UriKind.Relative), null);

        Assert.Equal(HttpStatusCode.Conflict, pauseSucceeded.StatusCode);
        Assert.Contains("the job is succeeded; only a queued or running job can be paused", (await pauseSucceeded.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        JsonElement succeededError = (await pauseSucceededOpenAi.JsonAsync()).GetProperty("error");
        Assert.Equal(HttpStatusCode.BadRequest, pauseSucceededOpenAi.StatusCode);
        Assert.Equal("invalid_state", succeededError.GetProperty("code").GetString());
        Assert.Contains("succeeded", succeededError.GetProperty("message").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Models_ListTheTenantsFineTunedModels_NeverAnotherTenants()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid dataset = await owner.Http.UploadDatasetAsync();
        JsonElement created = await (await owner.Http.PostJsonAsync("/v1/fine_tuning/jobs", $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"file-{{dataset:N}}","suffix":"mine"}""")).JsonAsync();
        Guid job = Guid.ParseExact(created.GetProperty("id").GetString()!["ftjob-".Length..], "N");
        Guid unfinished = await owner.Http.CreateJobAsync(dataset);
        await factory.Queue.CompleteAsync(await factory.Queue.ClaimAsync(job), """{"steps": 3}""", CancellationToken.None);

        JsonElement finished = await (await owner.Http.GetAsync($"/v1/fine_tuning/jobs/ftjob-{job:N}")).JsonAsync();
        List<JsonElement> mine = (await (await owner.Http.GetAsync("/v1/models")).JsonAsync()).GetProperty("data").EnumerateArray().ToList();
        List<JsonElement> theirs = (await (await stranger.Http.GetAsync("/v1/models")).JsonAsync()).GetProperty("data").EnumerateArray().ToList();

        string name = finished.GetProperty("fine_tuned_model").GetString()!;
        Assert.Equal($"ft:{ApiFactory.ModelName}:mine:{job:N}", name);
        JsonElement model = Assert.Single(mine, entry => entry.GetProperty("id").GetString()!.StartsWith("ft:", StringComparison.Ordinal));
        JsonElement baseModel = Assert.Single(mine, entry => entry.GetProperty("id").GetString() == ApiFactory.ModelName);
        Assert.Equal(name, model.GetProperty("id").GetString());
        Assert.Equal("model", model.GetProperty("object").GetString());
        Assert.Equal(finished.GetProperty("organization_id").GetString(), model.GetProperty("owned_by").GetString());
        Assert.Equal($"org-{owner.TenantId:N}", model.GetProperty("owned_by").GetString());
        Assert.Equal(finished.GetProperty("finished_at").GetInt64(), model.GetProperty("created").GetInt64());
        Assert.Equal(ApiFactory.ModelName, model.GetProperty("parent").GetString());
        Assert.Equal(baseModel.GetProperty("family").GetString(), model.GetProperty("family").GetString());
        Assert.Equal("finetune", baseModel.GetProperty("owned_by").GetString());
        Assert.DoesNotContain(mine, entry => entry.GetProperty("id").GetString()!.EndsWith(unfinished.ToString("N"), StringComparison.Ordinal));
        Assert.Contains(theirs, entry => entry.GetProperty("id").GetString() == ApiFactory.ModelName);
        Assert.DoesNotContain(theirs, entry => entry.GetProperty("id").GetString()!.StartsWith("ft:", StringComparison.Ordinal));
    }

    private static async Task<List<Guid>> ListedAsync(TenantClient tenant, string status)
    {
        JsonElement list = await (await tenant.Http.GetAsync($"/v1/jobs?status={status}")).JsonAsync();
        return [.. list.GetProperty("data").EnumerateArray().Select(entry => entry.GetProperty("id").GetGuid())];
    }

    private static async Task<string?> LastStatusEventAsync(TenantClient tenant, Guid job)
    {
        JsonElement events = await (await tenant.Http.GetAsync($"/v1/jobs/{job}/events")).JsonAsync();
        JsonElement last = events.GetProperty("data").EnumerateArray().Last(entry => entry.GetProperty("type").GetString() == "status");
        return last.GetProperty("payload").GetProperty("status").GetString();
    }

    // The Hangfire job the row names, once it is in the wanted state (the dispatcher works in the background).
    private async Task<(string Id, string State)> WaitForHangfireJobAsync(Guid jobId, string wantedState)
    {
        await using NpgsqlDataSource dataSource = NpgsqlDataSource.Create(factory.ConnectionString);
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(20));
        while (true)
        {
            await using NpgsqlCommand command = dataSource.CreateCommand(
                "SELECT h.id::text, h.statename FROM job j JOIN hangfire.job h ON h.id::text = j.hangfire_job_id WHERE j.id = @id");
            command.Parameters.AddWithValue("id", jobId);
            await using (NpgsqlDataReader reader = await command.ExecuteReaderAsync(guard.Token))
            {
                if (await reader.ReadAsync(guard.Token) && reader.GetString(1) == wantedState)
                {
                    return (reader.GetString(0), reader.GetString(1));
                }
            }
            await Task.Delay(50, guard.Token);
        }
    }
}
