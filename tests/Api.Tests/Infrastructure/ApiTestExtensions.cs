using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using FineTune.Persistence.Queue;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>Small steps the API tests repeat: upload a dataset, submit a job, read JSON, play a worker.</summary>
internal static class ApiTestExtensions
{
    public const string ChatJsonl = """
        {"messages":[{"role":"user","content":"Hi"},{"role":"assistant","content":"Hello!"}]}
        {"messages":[{"role":"user","content":"2+2?"},{"role":"assistant","content":"4"}]}
        {"messages":[{"role":"user","content":"Capital of France?"},{"role":"assistant","content":"Paris"}]}

        """;

    public static async Task<JsonElement> JsonAsync(this HttpResponseMessage response)
    {
        string text = await response.Content.ReadAsStringAsync();
        using JsonDocument document = JsonDocument.Parse(text);
        return document.RootElement.Clone();
    }

    public static async Task<HttpResponseMessage> UploadRawAsync(this HttpClient client, string content, string contentType = "application/jsonl", string? name = "train.jsonl")
    {
        var body = new ByteArrayContent(Encoding.UTF8.GetBytes(content));
        body.Headers.ContentType = new MediaTypeHeaderValue(contentType);
        string query = name is null ? "" : "?name=" + Uri.EscapeDataString(name);
        return await client.PostAsync(new Uri("/v1/datasets" + query, UriKind.Relative), body);
    }

    public static async Task<Guid> UploadDatasetAsync(this HttpClient client, string content = ChatJsonl)
    {
        using HttpResponseMessage response = await client.UploadRawAsync(content);
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    public static async Task<HttpResponseMessage> PostJsonAsync(this HttpClient client, string path, string json, string? idempotencyKey = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, new Uri(path, UriKind.Relative))
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }
        return await client.SendAsync(request);
    }

    public static string JobSpec(Guid trainingFile, string extra = "")
    {
        return $$"""{"model":"{{ApiFactory.ModelName}}","training_file":"{{trainingFile}}","hyperparameters":{"steps":3,"batch_size":2}{{extra}}}""";
    }

    public static async Task<Guid> CreateJobAsync(this HttpClient client, Guid trainingFile, string extra = "")
    {
        using HttpResponseMessage response = await client.PostJsonAsync("/v1/jobs", JobSpec(trainingFile, extra));
        Assert.Equal(HttpStatusCode.Created, response.StatusCode);
        return (await response.JsonAsync()).GetProperty("id").GetGuid();
    }

    public static async Task<HttpResponseMessage> GetAsync(this HttpClient client, string path)
    {
        return await client.GetAsync(new Uri(path, UriKind.Relative));
    }

    /// <summary>Claims <paramref name="jobId"/> the way a worker does when Hangfire delivers it.</summary>
    public static async Task<JobLease> ClaimAsync(this JobQueue queue, Guid jobId, string backend = "libtorch-cpu")
    {
        var worker = new WorkerCapabilities($"test-worker-{Guid.NewGuid():N}", "test-host", [backend], 1L << 36);
        JobClaim claim = await queue.ClaimAsync(jobId, worker, CancellationToken.None);
        return claim.Lease ?? throw new InvalidOperationException($"job {jobId} is not claimable: {claim.Outcome}");
    }
}
