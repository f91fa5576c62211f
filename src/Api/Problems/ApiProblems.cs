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
}
