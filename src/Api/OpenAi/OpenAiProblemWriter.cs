using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.OpenAi;

/// <summary>
/// Writes the problems the framework raises itself (401 from authentication, 404 for an unknown route, 400 for a
/// value that does not bind, 500) in OpenAI's error shape on the OpenAI-compatible routes (<c>/v1/files</c>,
/// <c>/v1/fine_tuning</c>); everywhere else the default writer keeps problem+json. Registered before
/// <c>AddProblemDetails</c>, so it is asked first.
/// </summary>
public sealed class OpenAiProblemWriter : IProblemDetailsWriter
{
    /// <summary>Whether <paramref name="path"/> belongs to the OpenAI-compatible surface.</summary>
    public static bool IsOpenAiRoute(PathString path)
    {
        return path.StartsWithSegments("/v1/files", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/v1/fine_tuning", StringComparison.OrdinalIgnoreCase);
    }

    /// <inheritdoc />
    public bool CanWrite(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return IsOpenAiRoute(context.HttpContext.Request.Path);
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // The default writer applies the customization; this one must too, for the detail of a bodiless status.
        FineTune.Api.Problems.ProblemDefaults.Fill(context);
        ProblemDetails problem = context.ProblemDetails;
        int status = problem.Status ?? context.HttpContext.Response.StatusCode;
        string? param = problem.Extensions.TryGetValue("errors", out object? errors) && errors is IDictionary<string, string[]> map && map.Count > 0
            ? map.Keys.First()
            : null;
        string message = problem.Detail ?? problem.Title ?? "the request failed";
        string code = status switch
        {
            StatusCodes.Status401Unauthorized => "invalid_api_key",
            StatusCodes.Status404NotFound => "not_found",
            StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
            >= 500 => "server_error",
            _ => "invalid_request",
        };
        return new ValueTask(new OpenAiError(status, message, param, code).ExecuteAsync(context.HttpContext));
    }
}
