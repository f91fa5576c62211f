using System.Globalization;
using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>429 as problem+json with <c>Retry-After</c>: the caller has too many requests or uploads in flight.</summary>
public sealed class TooManyRequestsProblem : ProblemResult, IEndpointMetadataProvider
{
    /// <summary>Wraps <paramref name="problem"/> with status 429; the response asks to retry after <paramref name="retryAfterSeconds"/>.</summary>
    public TooManyRequestsProblem(ProblemDetails problem, int retryAfterSeconds)
        : base(StatusCodes.Status429TooManyRequests, problem)
    {
        RetryAfterSeconds = retryAfterSeconds;
        problem.Extensions["retry_after_seconds"] = retryAfterSeconds;
    }

    /// <summary>The seconds sent in <c>Retry-After</c>.</summary>
    public int RetryAfterSeconds { get; }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AddMetadata(builder, StatusCodes.Status429TooManyRequests);

    /// <inheritdoc />
    public override Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.Headers.RetryAfter = RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
        return base.ExecuteAsync(httpContext);
    }
}
