using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;

namespace FineTune.Api.Tests;

/// <summary>
/// The API over a database that does not answer (a port nobody listens on, as during a Postgres restart): requests
/// are 503 problem+json with Retry-After, so clients wait and retry, never 500 or a 401 that blames their key.
/// </summary>
public sealed class DatabaseOutageTests : IClassFixture<DatabaseOutageTests.UnreachableDatabaseFactory>
{
    private readonly UnreachableDatabaseFactory _factory;

    public DatabaseOutageTests(UnreachableDatabaseFactory factory) => _factory = factory;

    [Theory]
    [InlineData("GET", "/v1/jobs")]
    [InlineData("GET", "/v1/datasets")]
    [InlineData("POST", "/v1/datasets?name=a.jsonl")]
    public async Task Request_WhileTheDatabaseIsDown_Is503WithRetryAfter(string method, string path)
    {
        using HttpClient client = _factory.CreateClient();
        using var request = new HttpRequestMessage(new HttpMethod(method), new Uri(path, UriKind.Relative));
        request.Headers.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", "ft_" + new string('a', 40));
        if (method == "POST")
        {
            request.Content = new StringContent("""{"text":"hello"}""" + "\n");
        }

        using HttpResponseMessage response = await client.SendAsync(request);

        string text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.ServiceUnavailable, $"{(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        Assert.True(response.Headers.RetryAfter?.Delta > TimeSpan.Zero, "Retry-After in seconds");
        using JsonDocument problem = JsonDocument.Parse(text);
        Assert.Contains("database", problem.RootElement.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    /// <summary>The real host, its database a free local port with nothing behind it; nothing runs at start.</summary>
    public sealed class UnreachableDatabaseFactory : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            builder.UseSetting("ConnectionStrings:FineTune", $"Host=127.0.0.1;Port={FreePort()};Username=nobody;Database=none;Timeout=2");
            builder.UseSetting("PersistenceOptions:MigrateOnStart", "false");
            builder.UseSetting("PersistenceOptions:Listen", "false");
            builder.UseSetting("ApiOptions:ModelsDir", Path.GetTempPath());
        }

        private static int FreePort()
        {
            using var listener = new TcpListener(IPAddress.Loopback, 0);
            listener.Start();
            return ((IPEndPoint)listener.LocalEndpoint).Port;
        }
    }
}
