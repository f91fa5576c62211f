using System.Net;
using FineTune.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FineTune.Api.Tests;

/// <summary>
/// ASP.NET Core's per-request Information lines (endpoint executing/executed, status code, result type) are off by
/// default: at a few hundred requests a second they cost ~10% of the API's CPU. Configuration can bring them back.
/// </summary>
public sealed class RequestLoggingTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    private const string EndpointCategory = "Microsoft.AspNetCore.Routing.EndpointMiddleware";

    [Fact]
    public async Task FrameworkRequestLines_AreNotLoggedByDefault_OursAre()
    {
        var logs = new CapturingLoggerProvider();
        using WebApplicationFactory<Program> logged = factory.WithWebHostBuilder(builder => builder.ConfigureLogging(logging => logging.AddProvider(logs)));
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using HttpClient client = logged.CreateClient();
        client.DefaultRequestHeaders.Authorization = tenant.Http.DefaultRequestHeaders.Authorization;

        using HttpResponseMessage response = await client.GetAsync(new Uri("/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.DoesNotContain(logs.Lines, line => line.StartsWith(EndpointCategory, StringComparison.Ordinal));
        // Our own categories keep Information.
        ILoggerFactory loggers = logged.Services.GetRequiredService<ILoggerFactory>();
        Assert.True(loggers.CreateLogger("FineTune.Api.Submission.JobSubmitter").IsEnabled(LogLevel.Information));
    }

    [Fact]
    public async Task FrameworkRequestLines_ComeBackWhenConfigured()
    {
        var logs = new CapturingLoggerProvider();
        using WebApplicationFactory<Program> logged = factory.WithWebHostBuilder(builder => builder
            .UseSetting($"Logging:LogLevel:{Extensions.FrameworkLogCategory}", "Information")
            .ConfigureLogging(logging => logging.AddProvider(logs)));
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using HttpClient client = logged.CreateClient();
        client.DefaultRequestHeaders.Authorization = tenant.Http.DefaultRequestHeaders.Authorization;

        using HttpResponseMessage response = await client.GetAsync(new Uri("/v1/models", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Contains(logs.Lines, line => line.StartsWith(EndpointCategory, StringComparison.Ordinal));
    }
}
