using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using FineTune.Api.Tests.Infrastructure;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Observability;
using FineTune.Persistence.Tenancy;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests;

/// <summary>
/// <c>/metrics</c> is for operators: an admin key reads it, a tenant key gets 403, no key or a bad key 401. What it
/// shows comes from the real host over a real database.
/// </summary>
public sealed class MetricsEndpointTests(ApiFactory factory) : IClassFixture<ApiFactory>
{
    [Fact]
    public async Task Metrics_WithoutKeyOrWithBadKey_Is401_WithTenantKey_Is403()
    {
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using HttpClient anonymous = factory.CreateClient();
        using HttpClient badKey = factory.CreateClient();
        badKey.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "ft_not-a-key-000000000000000000000");

        using HttpResponseMessage none = await anonymous.GetAsync("/metrics");
        using HttpResponseMessage bad = await badKey.GetAsync("/metrics");
        using HttpResponseMessage tenantOnly = await tenant.Http.GetAsync("/metrics");

        Assert.Equal(HttpStatusCode.Unauthorized, none.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, bad.StatusCode);
        Assert.Equal(HttpStatusCode.Forbidden, tenantOnly.StatusCode);
        Assert.Equal("application/problem+json", tenantOnly.Content.Headers.ContentType?.MediaType);
        Assert.DoesNotContain("finetune_", await tenantOnly.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Metrics_WithAdminKeyAfterASubmit_ShowsQueuedJobsHttpLatencyAndTheSubmitSpan()
    {
        var spans = new ConcurrentQueue<Activity>();
        using var listener = new ActivityListener
        {
            ShouldListenTo = source => source.Name == JobTrace.SourceName,
            Sample = (ref ActivityCreationOptions<ActivityContext> _) => ActivitySamplingResult.AllDataAndRecorded,
            ActivityStopped = spans.Enqueue,
        };
        ActivitySource.AddActivityListener(listener);
        using TenantClient tenant = await factory.CreateTenantClientAsync();
        using HttpClient admin = await CreateAdminClientAsync();
        Guid dataset = await tenant.Http.UploadDatasetAsync();
        Guid jobId = await tenant.Http.CreateJobAsync(dataset);

        using HttpResponseMessage response = await admin.GetAsync("/metrics");
        string text = await response.Content.ReadAsStringAsync();

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.True(Value(text, "finetune_jobs{", "state=\"queued\"") >= 1, text);
        Assert.True(Value(text, "finetune_queue_depth{", "backend=\"libtorch-cpu\"") >= 1, text);
        Assert.InRange(Value(text, "finetune_queue_oldest_wait_seconds{", "backend=\"libtorch-cpu\""), 0, 3600);
        Assert.True(Value(text, "http_server_request_duration_seconds_count{", "http_route=\"/v1/jobs/\"") >= 1, text);
        Activity submit = Assert.Single(spans, span => span.TraceId == JobTrace.TraceIdOf(jobId));
        Assert.Equal("job.submit", submit.OperationName);
        Assert.Equal(jobId.ToString(), submit.GetTagItem(JobTrace.JobIdTag));
        Assert.True(submit.Duration > TimeSpan.Zero);
    }

    private async Task<HttpClient> CreateAdminClientAsync()
    {
        using IServiceScope scope = factory.Services.CreateScope();
        TenantStore tenants = scope.ServiceProvider.GetRequiredService<TenantStore>();
        Tenant tenant = await tenants.CreateTenantAsync("operators-" + Guid.NewGuid().ToString("N"), CancellationToken.None);
        IssuedApiKey key = await tenants.IssueApiKeyAsync(tenant.Id, "prometheus", admin: true, CancellationToken.None);
        HttpClient client = factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Token);
        return client;
    }

    /// <summary>The largest value of the series starting with <paramref name="prefix"/> whose labels hold <paramref name="label"/>.</summary>
    internal static double Value(string exposition, string prefix, string label)
    {
        double[] values = exposition.Split('\n')
            .Where(line => line.StartsWith(prefix, StringComparison.Ordinal) && line.Contains(label, StringComparison.Ordinal))
            .Select(line => double.Parse(SampleValue(line), CultureInfo.InvariantCulture))
            .ToArray();
        Assert.True(values.Length > 0, $"no series {prefix}...{label}...}} in:\n{exposition}");
        return values.Max();
    }

    // "name{labels} value [timestamp]" or "name value [timestamp]".
    private static string SampleValue(string line)
    {
        string rest = line.Contains('}', StringComparison.Ordinal) ? line[(line.LastIndexOf('}') + 1)..] : line[line.IndexOf(' ', StringComparison.Ordinal)..];
        return rest.Trim().Split(' ')[0];
    }
}
