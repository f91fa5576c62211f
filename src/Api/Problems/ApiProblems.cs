using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>
/// The API's error responses, all <c>application/problem+json</c> (RFC 9457). Each has its own result type, so the
/// status shows in the handler's return type and in OpenAPI; extension members are snake_case like the rest of the API.
/// </summary>
public static class ApiProblems
{
    /// <summary>404: the caller's tenant has no such resource (other tenants' resources are 404 too, never 403).</summary>
    public static NotFoundProblem NotFound(string detail)
    {
        return new NotFoundProblem(new ProblemDetails { Title = "Not Found", Detail = detail });
    }

    /// <summary>409: the request conflicts with the resource's current state.</summary>
    public static ConflictProblem Conflict(string detail)
    {
        return new ConflictProblem(new ProblemDetails { Title = "Conflict", Detail = detail });
    }

    /// <summary>422: the request is well-formed but invalid; <paramref name="errors"/> maps each field path to its problems.</summary>
    public static UnprocessableProblem Invalid(IDictionary<string, string[]> errors, string detail)
    {
        return new UnprocessableProblem(new HttpValidationProblemDetails(errors) { Title = "One or more fields are invalid.", Detail = detail });
    }

    /// <summary>422 with a single field at fault.</summary>
    public static UnprocessableProblem Invalid(string field, string message)
    {
        return Invalid(new Dictionary<string, string[]> { [field] = [message] }, $"{field}: {message}");
    }

    /// <summary>400: a query parameter, header or body is malformed; <paramref name="parameter"/> names it.</summary>
    public static ValidationProblem BadRequest(string parameter, string message)
    {
        return TypedResults.ValidationProblem(new Dictionary<string, string[]> { [parameter] = [message] }, detail: $"{parameter}: {message}");
    }

    /// <summary>413: the body is larger than <paramref name="maxBytes"/>.</summary>
    public static PayloadTooLargeProblem TooLarge(long maxBytes)
    {
        var problem = new ProblemDetails { Title = "Payload Too Large", Detail = $"the upload is larger than the limit of {maxBytes} bytes" };
        problem.Extensions["max_bytes"] = maxBytes;
        return new PayloadTooLargeProblem(problem);
    }

    /// <summary>413: line <paramref name="line"/> of an upload is longer than <paramref name="maxLineBytes"/>.</summary>
    public static PayloadTooLargeProblem LineTooLong(int line, int maxLineBytes)
    {
        var problem = new ProblemDetails
        {
            Title = "Payload Too Large",
            Detail = $"line {line} is longer than the limit of {maxLineBytes} bytes per line (ApiOptions:MaxLineBytes); nothing was stored",
        };
        problem.Extensions["line"] = line;
        problem.Extensions["max_line_bytes"] = maxLineBytes;
        return new PayloadTooLargeProblem(problem);
    }

    /// <summary>415: the body is sent as <paramref name="contentType"/>, and the route reads only <paramref name="expected"/>.</summary>
    public static UnsupportedMediaTypeProblem UnsupportedMediaType(string contentType, string expected)
    {
        string message = $"must be {expected}, not '{contentType}'";
        var problem = new ProblemDetails { Title = "Unsupported Media Type", Detail = $"Content-Type: {message}" };
        problem.Extensions["errors"] = new Dictionary<string, string[]> { ["Content-Type"] = [message] };
        return new UnsupportedMediaTypeProblem(problem);
    }

    /// <summary>429: too many requests or uploads in flight; retry after <paramref name="retryAfterSeconds"/>.</summary>
    public static TooManyRequestsProblem TooMany(string detail, int retryAfterSeconds)
    {
        return new TooManyRequestsProblem(new ProblemDetails { Title = "Too Many Requests", Detail = detail }, retryAfterSeconds);
    }
}
