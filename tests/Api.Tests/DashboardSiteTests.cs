using System.Net;
using FineTune.Api.Tests.Infrastructure;

namespace FineTune.Api.Tests;

/// <summary>The dashboard at <c>/</c>: served from the build output with its npm libraries, no CDN, no key needed for the page itself.</summary>
public sealed class DashboardSiteTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Root_ServesTheDashboardPage()
    {
        using HttpClient anonymous = factory.CreateClient();

        HttpResponseMessage response = await anonymous.GetAsync("/");

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        string html = await response.Content.ReadAsStringAsync();
        Assert.Contains("js/main.js", html, StringComparison.Ordinal);
        Assert.DoesNotContain("https://", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/vendor/signalr.min.js")]
    [InlineData("/vendor/uPlot.iife.min.js")]
    [InlineData("/js/job.js")]
    public async Task Scripts_AreServedFromTheBuildOutput(string path)
    {
        using HttpClient anonymous = factory.CreateClient();

        HttpResponseMessage response = await anonymous.GetAsync(path);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 100);
    }

    [Fact]
    public async Task Api_StillNeedsAKeyBesideThePublicPage()
    {
        using HttpClient anonymous = factory.CreateClient();

        Assert.Equal(HttpStatusCode.Unauthorized, (await anonymous.GetAsync("/v1/jobs")).StatusCode);
    }
}
