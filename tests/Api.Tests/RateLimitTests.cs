using System.Net;
using FineTune.Api.Tests.Infrastructure;
using Microsoft.AspNetCore.Hosting;

namespace FineTune.Api.Tests;

/// <summary>ASP.NET Core's rate limiter, one bucket per tenant: past the burst a tenant gets 429 with Retry-After.</summary>
public sealed class RateLimitTests(RateLimitTests.TightLimitFactory factory) : IClassFixture<RateLimitTests.TightLimitFactory>
{
    private const int Burst = 5;

    [Fact]
    public async Task Tenant_PastItsBurst_Gets429ProblemWithRetryAfter_OthersAndHealthDoNot()
    {
        using TenantClient noisy = await factory.CreateTenantClientAsync();
        using TenantClient quiet = await factory.CreateTenantClientAsync();

        var statuses = new List<HttpStatusCode>();
        HttpResponseMessage? refused = null;
        for (int i = 0; i < Burst + 3 && refused is null; i++)
        {
            HttpResponseMessage response = await noisy.Http.GetAsync("/v1/jobs");
            statuses.Add(response.StatusCode);
            if (response.StatusCode == HttpStatusCode.TooManyRequests)
            {
                refused = response;
            }
            else
            {
                response.Dispose();
            }
        }
        using HttpResponseMessage other = await quiet.Http.GetAsync("/v1/jobs");
        using HttpClient anonymous = factory.CreateClient();
        using HttpResponseMessage health = await anonymous.GetAsync(new Uri("/healthz", UriKind.Relative));

        Assert.NotNull(refused);
        using (refused)
        {
            Assert.All(statuses.SkipLast(1), status => Assert.Equal(HttpStatusCode.OK, status));
            Assert.InRange(statuses.Count, Burst, Burst + 2);
            Assert.Equal("application/problem+json", refused.Content.Headers.ContentType?.MediaType);
            Assert.True(refused.Headers.RetryAfter?.Delta >= TimeSpan.FromSeconds(1), "Retry-After in seconds");
            Assert.Equal(HttpStatusCode.OK, other.StatusCode);
            Assert.Equal(HttpStatusCode.OK, health.StatusCode);
        }
    }

    /// <summary>One request a second, bursts of <see cref="Burst"/>.</summary>
    public sealed class TightLimitFactory : ApiFactory
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            base.ConfigureWebHost(builder);
            builder.UseSetting("ApiOptions:RateLimitPerSecond", "1");
            builder.UseSetting("ApiOptions:RateLimitBurst", Burst.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
