using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Cli.Client;

/// <summary>
/// A small client of the REST API (the jobs commands and the service benchmark). Non-success answers become an
/// exception carrying the problem+json title and detail, so the CLI prints one readable line.
/// </summary>
internal sealed class FineTuneClient : IDisposable
{
    private readonly HttpClient _http;

    public FineTuneClient(string baseUrl, string apiKey)
    {
        _http = new HttpClient { BaseAddress = new Uri(baseUrl.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(30) };
        _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
    }

    /// <summary>The base URL and key from options or <c>FINETUNE_URL</c> / <c>FINETUNE_API_KEY</c>.</summary>
    public static FineTuneClient FromOptions(string? url, string? key)
    {
        string baseUrl = url ?? Environment.GetEnvironmentVariable("FINETUNE_URL") ?? "http://127.0.0.1:8080";
        string apiKey = key ?? Environment.GetEnvironmentVariable("FINETUNE_API_KEY")
            ?? throw new ArgumentException("give --key or set FINETUNE_API_KEY (./finetune serve prints a key)");
        return new FineTuneClient(baseUrl, apiKey);
    }

    public async Task<JsonObject> UploadDatasetAsync(string path, string? format, CancellationToken cancellationToken)
    {
        await using FileStream file = File.OpenRead(path);
        using var content = new StreamContent(file);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        string query = $"name={Uri.EscapeDataString(Path.GetFileName(path))}" + (format is null ? "" : $"&format={Uri.EscapeDataString(format)}");
        return await SendAsync(HttpMethod.Post, $"v1/datasets?{query}", content, cancellationToken);
    }

    public Task<JsonObject> CreateJobAsync(JsonObject spec, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Post, "v1/jobs", new StringContent(spec.ToJsonString(), Encoding.UTF8, "application/json"), cancellationToken);

    public Task<JsonObject> GetJobAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, $"v1/jobs/{id}", null, cancellationToken);

    public Task<JsonObject> CancelJobAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Post, $"v1/jobs/{id}/cancel", null, cancellationToken);

    public Task<JsonObject> ListJobsAsync(CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, "v1/jobs?limit=100", null, cancellationToken);

    public Task<JsonObject> EventsAsync(string id, long after, CancellationToken cancellationToken) =>
        SendAsync(HttpMethod.Get, $"v1/jobs/{id}/events?after={after}&limit=1000", null, cancellationToken);

    public Task<JsonObject> ArtifactsAsync(string id, CancellationToken cancellationToken) => SendAsync(HttpMethod.Get, $"v1/jobs/{id}/artifacts", null, cancellationToken);

    /// <summary>Streams an artifact into a file; returns the ETag the server sent (the sha256).</summary>
    public async Task<string?> DownloadArtifactAsync(string id, string name, string destination, CancellationToken cancellationToken)
    {
        using HttpResponseMessage response = await _http.GetAsync($"v1/jobs/{id}/artifacts/{Uri.EscapeDataString(name)}", HttpCompletionOption.ResponseHeadersRead, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        await using (FileStream file = File.Create(destination + ".partial"))
        {
            await response.Content.CopyToAsync(file, cancellationToken);
        }
        File.Move(destination + ".partial", destination, overwrite: true);
        return response.Headers.ETag?.Tag.Trim('"');
    }

    /// <summary>Sends a request and parses the JSON answer; raw access for the benchmark.</summary>
    public HttpClient Http => _http;

    private async Task<JsonObject> SendAsync(HttpMethod method, string path, HttpContent? content, CancellationToken cancellationToken)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        using HttpResponseMessage response = await _http.SendAsync(request, cancellationToken);
        await EnsureSuccessAsync(response, cancellationToken);
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
        return body.Length == 0 ? new JsonObject() : JsonNode.Parse(body) as JsonObject ?? new JsonObject();
    }

    private static async Task EnsureSuccessAsync(HttpResponseMessage response, CancellationToken cancellationToken)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }
        string body = await response.Content.ReadAsStringAsync(cancellationToken);
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
                message = string.Join(" — ", new[] { message, title, detail, errors }.Where(s => !string.IsNullOrEmpty(s)));
            }
        }
        catch (JsonException)
        {
            // Not problem+json: the status line alone is the message.
        }
        throw new HttpRequestException(message, null, response.StatusCode);
    }

    public void Dispose() => _http.Dispose();
}
