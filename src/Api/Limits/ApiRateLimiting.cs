using System.Globalization;
using System.Threading.RateLimiting;
using FineTune.Api.Auth;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Limits;

/// <summary>
/// ASP.NET Core's rate limiter with one token bucket per tenant (per client address before authentication):
/// <see cref="ApiOptions.RateLimitPerSecond"/> on average, bursts of <see cref="ApiOptions.RateLimitBurst"/>. A
/// refused request is 429 problem+json with <c>Retry-After</c>. Health probes are never limited.
/// </summary>
public static class ApiRateLimiting
{
    /// <summary>Registers the limiter; it reads <see cref="ApiOptions"/> when a partition is first used.</summary>
    public static IServiceCollection AddApiRateLimiting(this IServiceCollection services)
    {
        services.AddRateLimiter(options =>
        {
            options.RejectionStatusCode = StatusCodes.Status429TooManyRequests;
            options.GlobalLimiter = PartitionedRateLimiter.Create<HttpContext, string>(Partition);
            options.OnRejected = WriteRejectionAsync;
        });
        return services;
    }

    private static RateLimitPartition<string> Partition(HttpContext context)
    {
        ApiOptions settings = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
        PathString path = context.Request.Path;
        if (settings.RateLimitPerSecond <= 0 || path.StartsWithSegments("/healthz") || path.StartsWithSegments("/readyz"))
        {
            return RateLimitPartition.GetNoLimiter("unlimited");
        }
        string key = context.User.Identity?.IsAuthenticated == true
            ? "tenant:" + context.TenantId().ToString("N")
            : "address:" + context.Connection.RemoteIpAddress;
        return RateLimitPartition.GetTokenBucketLimiter(key, _ => new TokenBucketRateLimiterOptions
        {
            TokenLimit = Math.Max(settings.RateLimitBurst, 1),
            TokensPerPeriod = settings.RateLimitPerSecond,
            ReplenishmentPeriod = TimeSpan.FromSeconds(1),
            QueueLimit = 0,
            AutoReplenishment = true,
        });
    }

    private static async ValueTask WriteRejectionAsync(OnRejectedContext rejected, CancellationToken cancellationToken)
    {
        HttpContext context = rejected.HttpContext;
        int seconds = rejected.Lease.TryGetMetadata(MetadataName.RetryAfter, out TimeSpan retryAfter)
            ? Math.Max(1, (int)Math.Ceiling(retryAfter.TotalSeconds))
            : 1;
        ApiOptions settings = context.RequestServices.GetRequiredService<IOptions<ApiOptions>>().Value;
        context.Response.Headers.RetryAfter = seconds.ToString(CultureInfo.InvariantCulture);
        var problem = new ProblemDetails
        {
            Status = StatusCodes.Status429TooManyRequests,
            Title = "Too Many Requests",
            Detail = $"more than {settings.RateLimitPerSecond} requests per second (bursts of {settings.RateLimitBurst}) from this tenant; retry after {seconds} s",
        };
        problem.Extensions["retry_after_seconds"] = seconds;
        await context.RequestServices.GetRequiredService<IProblemDetailsService>()
            .WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
