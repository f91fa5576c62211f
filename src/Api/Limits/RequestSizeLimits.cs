using Microsoft.AspNetCore.Server.Kestrel.Core;

namespace FineTune.Api.Limits;

/// <summary>
/// The request line and header limits, enforced by the app so that 414 and 431 are problem+json naming what was too
/// long. Kestrel answers its own limits with an empty body before any middleware runs, so its limits are raised to
/// twice these: the app's check is the one clients meet, and Kestrel's stays as a backstop.
/// </summary>
public static class RequestSizeLimits
{
    /// <summary>The longest path and query string, in characters (Kestrel's own default is 8 KiB for the request line).</summary>
    public const int MaxTargetLength = 8 * 1024;

    /// <summary>The most header bytes, names and values together (Kestrel's own default).</summary>
    public const int MaxHeadersBytes = 32 * 1024;

    /// <summary>Raises Kestrel's limits above the app's, so the app's check answers first.</summary>
    public static IServiceCollection AddRequestSizeLimits(this IServiceCollection services)
    {
        services.Configure<KestrelServerOptions>(options =>
        {
            options.Limits.MaxRequestLineSize = 2 * MaxTargetLength;
            options.Limits.MaxRequestHeadersTotalSize = 2 * MaxHeadersBytes;
        });
        return services;
    }

    /// <summary>Answers 414 or 431 (problem+json, through the status-code pages) for a request over the limits.</summary>
    public static IApplicationBuilder UseRequestSizeLimits(this IApplicationBuilder app)
    {
        return app.Use(async (context, next) =>
        {
            HttpRequest request = context.Request;
            int target = (request.PathBase.Value?.Length ?? 0) + (request.Path.Value?.Length ?? 0) + (request.QueryString.Value?.Length ?? 0);
            if (target > MaxTargetLength)
            {
                await WriteAsync(context, StatusCodes.Status414UriTooLong, "uri", $"the path and query string are {target} characters; the limit is {MaxTargetLength}");
                return;
            }
            long headers = 0;
            string? largest = null;
            long largestBytes = 0;
            foreach (KeyValuePair<string, Microsoft.Extensions.Primitives.StringValues> header in request.Headers)
            {
                long bytes = header.Key.Length + header.Value.Sum(value => (long)(value?.Length ?? 0));
                headers += bytes;
                if (bytes > largestBytes)
                {
                    (largest, largestBytes) = (header.Key, bytes);
                }
            }
            if (headers > MaxHeadersBytes)
            {
                await WriteAsync(context, StatusCodes.Status431RequestHeaderFieldsTooLarge, largest!, $"the headers hold {headers} bytes (the largest, {largest}, {largestBytes}); the limit is {MaxHeadersBytes}");
                return;
            }
            await next(context);
        });
    }

    private static async Task WriteAsync(HttpContext context, int status, string field, string message)
    {
        context.Response.StatusCode = status;
        IProblemDetailsService problems = context.RequestServices.GetRequiredService<IProblemDetailsService>();
        var problem = new Microsoft.AspNetCore.Mvc.ProblemDetails { Status = status, Detail = $"{field}: {message}" };
        problem.Extensions["errors"] = new Dictionary<string, string[]> { [field] = [message] };
        await problems.WriteAsync(new ProblemDetailsContext { HttpContext = context, ProblemDetails = problem });
    }
}
