using System.Net.Http.Headers;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Client;

/// <summary>
/// A small client of the REST API (the CLI's jobs commands and the service benchmark). Non-success answers become an
/// <see cref="HttpRequestException"/> carrying the problem+json title, detail and field errors, so a caller can print
/// one readable line. <see cref="JobEventFeed"/> follows a job's events over the hub.
/// </summary>
public sealed class FineTuneClient : IDisposable
{
    private readonly HttpClient _http;

    /// <summary>A client of the service at <paramref name="baseUrl"/> that sends <paramref name="apiKey"/> as its bearer token.</summary>
    /// <param name="baseUrl">The service's base URL, e.g. <c>http://127.0.0.1:8080</c>.</param>
    /// <param name="apiKey">An API key (<c>ft_...</c>).</param>
    public FineTuneClient(string baseUrl, string apiKey)
    {
        BaseUrl = baseUrl;
        ApiKey = apiKey;
        _http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>The service's base URL.</summary>
    public string BaseUrl { get; }

    /// <summary>The API key sent with every request (also the hub's access token).</summary>
    public string ApiKey { get; }

    /// <summary>The base URL and key from options or <c>FINETUNE_URL</c> / <c>FINETUNE_API_KEY</c>.</summary>
    /// <param name="url">The base URL, or null for <c>FINETUNE_URL</c>, else <c>http://127.0.0.1:8080</c>.</param>
    /// <param name="key">The API key, or null for <c>FINETUNE_API_KEY</c> (required).</param>
    public static FineTuneClient FromOptions(string? url, string? key)
    {
        string baseUrl = url ?? Environment.GetEnvironmentVariable("FINETUNE_URL") ?? "http://127.0.0.1:8080";
        string apiKey = key ?? Environment.GetEnvironmentVariable("FINETUNE_API_KEY")
            ?? throw new ArgumentException("give --key or set FINETUNE_API_KEY (./finetune serve prints a key)");
        return new FineTuneClient(baseUrl, apiKey);
    }

    /// <summary>Uploads a dataset file (<c>POST /v1/datasets</c>); returns the dataset object.</summary>
    /// <param name="path">The file.</param>
    /// <param name="format">The data format, or null to let the service detect it.</param>
    /// <param name="cancellationToken">Cancels the upload.</param>
    public async Task<JsonObject> UploadDatasetAsync(string path, string? format, CancellationToken cancellationToken)
    {
        FileStream file = File.OpenRead(path);
        await using ConfiguredAsyncDisposable closeFile = file.ConfigureAwait(false);
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        string query = $"name={Uri.EscapeDataString(Path.GetFileName(path))}" + (format is null ? "" : $"&format={Uri.EscapeDataString(format)}");
        return await SendAsync(HttpMethod.Post, $"v1/datasets?{query}", content, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Deletes a dataset (<c>DELETE /v1/datasets/{id}</c>); refused (409) while a job uses it.</summary>
    /// <param name="id">The dataset's ID.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> DeleteDatasetAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Delete, $"v1/datasets/{id}", null, cancellationToken);

    /// <summary>Creates a job (<c>POST /v1/jobs</c>); returns the job object.</summary>
    /// <param name="spec">The job spec.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> CreateJobAsync(JsonObject spec, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/jobs", new StringContent(spec.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);

    /// <summary>A job (<c>GET /v1/jobs/{id}</c>).</summary>
    /// <param name="id">The job's ID.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> GetJobAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, $"v1/jobs/{id}", null, cancellationToken);

    /// <summary>Cancels a job (<c>POST /v1/jobs/{id}/cancel</c>); returns the job object.</summary>
    /// <param name="id">The job's ID.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> CancelJobAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, $"v1/jobs/{id}/cancel", null, cancellationToken);

    /// <summary>
    /// Pauses a job (<c>POST /v1/jobs/{id}/pause</c>): a queued job is paused at once, a running one is
    /// <c>pausing</c> until its worker has checkpointed the step it is on. Returns the job object.
    /// </summary>
    /// <param name="id">The job's ID.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> PauseJobAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, $"v1/jobs/{id}/pause", null, cancellationToken);

    /// <summary>Resumes a paused job (<c>POST /v1/jobs/{id}/resume</c>) from its checkpoint; returns the job object.</summary>
    /// <param name="id">The job's ID.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> ResumeJobAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, $"v1/jobs/{id}/resume", null, cancellationToken);

    /// <summary>The newest 100 jobs (<c>GET /v1/jobs</c>).</summary>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> ListJobsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "v1/jobs?limit=100", null, cancellationToken);

    /// <summary>Up to 1,000 of a job's events after seq <paramref name="after"/> (<c>GET /v1/jobs/{id}/events</c>).</summary>
    /// <param name="id">The job's ID.</param>
    /// <param name="after">The last seq already seen; 0 for the first page.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> EventsAsync(string id, long after, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/jobs/{id}/events?after={after}&limit=1000", null, cancellationToken);

    /// <summary>A job's artifacts (<c>GET /v1/jobs/{id}/artifacts</c>).</summary>
    /// <param name="id">The job's ID.</param>
    /// <param name="cancellationToken">Cancels the request.</param>
    public Task<JsonObject> ArtifactsAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, $"v1/jobs/{id}/artifacts", null, cancellationToken);

    /// <summary>Streams an artifact into a file; returns the ETag the server sent (the sha256).</summary>
    /// <param name="id">The job's ID.</param>
    /// <param name="name">The artifact's name.</param>
    /// <param name="destination">The file to write (through a <c>.partial</c> file, renamed when complete).</param>
    /// <param name="cancellationToken">Cancels the download.</param>
    public async Task<string?> DownloadArtifactAsync(string id, string name, string destination, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, $"v1/jobs/{id}/artifacts/{Uri.EscapeDataString(name)}");
        using HttpResponseMessage response = await ReachAsync(request, HttpCompletionOption.ResponseHeadersRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        FileStream file = File.Create(destination + ".partial");
        await using (file.ConfigureAwait(false))
        {
            await response.Content.CopyToAsync(file, cancellationToken).ConfigureAwait(false);
        }
        File.Move(destination + ".partial", destination, overwrite: true);
        return response.Headers.ETag?.Tag.Trim('"');
    }

    /// <summary>The underlying HTTP client (base address and key set): raw access for the benchmark.</summary>
    public HttpClient Http => _http;

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using HttpResponseMessage response = await ReachAsync(request, HttpCompletionOption.ResponseContentRead, cancellationToken).ConfigureAwait(false);
        await EnsureSuccessAsync(response, cancellationToken).ConfigureAwait(false);
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body) as JsonObject ?? new JsonObject();
    }

    // A request that got no answer at all (nothing listening, a wrong host, a TLS mismatch) names the URL it tried,
    // which the socket error alone does not.
    private async Task<HttpResponseMessage> ReachAsync(HttpRequestMessage request, HttpCompletionOption completion, CancellationToken cancellationToken)
    {
        try
        {
            return await _http.SendAsync(request, completion, cancellationToken).ConfigureAwait(false);
        }
        catch (HttpRequestException e) when (e.StatusCode is null && !cancellationToken.IsCancellationRequested)
        {
            throw new HttpRequestException(
                $"cannot reach FineTune at {_http.BaseAddress}: {e.Message} (is `finetune serve` running there? --url or FINETUNE_URL names the service)", e);
        }
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        string body = await response.Content.ReadAsStringAsync(cancellationToken).ConfigureAwait(false);
        string message = $"{(int)response.StatusCode} {response.ReasonPhrase}";
        try
        {
            if (JsonNode.Parse(body) is JsonObject problem)
            {
                string? title = problem["title"]?.GetValue<string>();
                string? detail = problem["detail"]?.GetValue<string>();
                string? errors = problem["errors"] is JsonObject fields
                    ? string.Join("; ", fields.Select(f => $"{f.Key}: {string.Join(", ", (f.Value as JsonArray ?? []).Select(v => v?.ToString()))}"))
                    : null;
                // Each part once: a title that repeats the reason phrase, or field errors the detail already names,
                // would only make the one line longer.
                foreach (string? part in new[] { title, detail, errors })
                {
                    if (!string.IsNullOrEmpty(part) && !message.Contains(part, StringComparison.OrdinalIgnoreCase))
                    {
                        message += " — " + part;
                    }
                }
            }
        }
        catch (JsonException)
        {
            // Not problem+json: the status line alone is the message.
        }
        throw new HttpRequestException(message, null, response.StatusCode);
    }

    /// <inheritdoc />
    public void Dispose() => _http.Dispose();
}
