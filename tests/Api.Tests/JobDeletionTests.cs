using System.Net;
using System.Text.Json;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Queue;
using Npgsql;

namespace FineTune.Api.Tests;

/// <summary>Jobs and their datasets can be deleted once nothing running needs them; a succeeded job shows 100%.</summary>
public sealed class JobDeletionTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task DeleteJob_WhileQueued_Is409_AfterCancel_RemovesItAndFreesItsDataset()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        Guid job = await tenant.Http.CreateJobAsync(dataset);

        using HttpResponseMessage whileQueued = await tenant.Http.DeleteAsync(new Uri($"/v1/jobs/{job}", UriKind.Relative));
        using HttpResponseMessage datasetInUse = await tenant.Http.DeleteAsync(new Uri($"/v1/datasets/{dataset}", UriKind.Relative));
        using HttpResponseMessage cancel = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/cancel", UriKind.Relative), null);
        using HttpResponseMessage deleted = await tenant.Http.DeleteAsync(new Uri($"/v1/jobs/{job}", UriKind.Relative));
        using HttpResponseMessage gone = await tenant.Http.GetAsync($"/v1/jobs/{job}");
        using HttpResponseMessage datasetDeleted = await tenant.Http.DeleteAsync(new Uri($"/v1/datasets/{dataset}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Conflict, whileQueued.StatusCode);
        Assert.Equal("application/problem+json", whileQueued.Content.Headers.ContentType?.MediaType);
        Assert.Contains("queued", (await whileQueued.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Conflict, datasetInUse.StatusCode);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.OK, deleted.StatusCode);
        JsonElement body = await deleted.JsonAsync();
        Assert.True(body.GetProperty("deleted").GetBoolean());
        Assert.Equal("fine_tuning.job", body.GetProperty("object").GetString());
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal(HttpStatusCode.OK, datasetDeleted.StatusCode);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM job_event WHERE job_id = @id", job));
    }

    [Fact]
    public async Task DeleteJob_WhileRunning_Is409_AnotherTenants_Is404()
    {
        using TenantClient owner = await factory.CreateTenantClientAsync();
        using TenantClient stranger = await factory.CreateTenantClientAsync();
        Guid job = await owner.Http.CreateJobAsync(await owner.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);

        using HttpResponseMessage running = await owner.Http.DeleteAsync(new Uri($"/v1/jobs/{job}", UriKind.Relative));
        await factory.Queue.CompleteAsync(lease, """{"steps":3}""", CancellationToken.None);
        using HttpResponseMessage strangers = await stranger.Http.DeleteAsync(new Uri($"/v1/jobs/{job}", UriKind.Relative));
        using HttpResponseMessage owners = await owner.Http.DeleteAsync(new Uri($"/v1/jobs/{job}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Conflict, running.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, strangers.StatusCode);
        Assert.Equal(HttpStatusCode.OK, owners.StatusCode);
    }

    [Fact]
    public async Task DeleteDataset_ThatIsTheValidationFileOfAQueuedJob_Is409_UntilTheJobFinishes()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid training = await tenant.Http.UploadDatasetAsync();
        Guid validation = await tenant.Http.UploadDatasetAsync();
        // Upper case: the client's spelling of the UUID is kept in the spec, and must still protect the dataset.
        Guid job = await tenant.Http.CreateJobAsync(training, $$""","validation_file":"{{validation.ToString().ToUpperInvariant()}}" """);

        using HttpResponseMessage whileQueued = await tenant.Http.DeleteAsync(new Uri($"/v1/datasets/{validation}", UriKind.Relative));
        long keptWhileQueued = await CountAsync("SELECT count(*) FROM dataset WHERE id = @id", validation);
        using HttpResponseMessage cancel = await tenant.Http.PostAsync(new Uri($"/v1/jobs/{job}/cancel", UriKind.Relative), null);
        using HttpResponseMessage afterCancel = await tenant.Http.DeleteAsync(new Uri($"/v1/datasets/{validation}", UriKind.Relative));

        Assert.Equal(HttpStatusCode.Conflict, whileQueued.StatusCode);
        Assert.Contains("validation_file", (await whileQueued.JsonAsync()).GetProperty("detail").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, keptWhileQueued);
        Assert.Equal(HttpStatusCode.OK, cancel.StatusCode);
        Assert.Equal(HttpStatusCode.OK, afterCancel.StatusCode);
        Assert.Equal(0, await CountAsync("SELECT count(*) FROM dataset WHERE id = @id", validation));
    }

    [Fact]
    public async Task SucceededJob_WhoseLastProgressRecordWasEarlier_Shows100Percent()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        Guid job = await tenant.Http.CreateJobAsync(await tenant.Http.UploadDatasetAsync());
        JobLease lease = await factory.Queue.ClaimAsync(job);
        await factory.Queue.HeartbeatAsync(lease, """{"step":5,"total_steps":8}""", CancellationToken.None);
        await factory.Queue.CompleteAsync(lease, """{"steps":8,"tokens_seen":256}""", CancellationToken.None);

        JsonElement succeeded = await (await tenant.Http.GetAsync($"/v1/jobs/{job}")).JsonAsync();

        Assert.Equal("succeeded", succeeded.GetProperty("status").GetString());
        JsonElement progress = succeeded.GetProperty("progress");
        Assert.Equal(8, progress.GetProperty("step").GetInt64());
        Assert.Equal(8, progress.GetProperty("total_steps").GetInt64());
        Assert.Equal(100, progress.GetProperty("percent").GetDouble());
    }

    private async Task<long> CountAsync(string sql, Guid id)
    {
        await using var connection = new NpgsqlConnection(factory.ConnectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        command.Parameters.AddWithValue("id", id);
        return (long)(await command.ExecuteScalarAsync())!;
    }
}
