using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>
/// A typed error result that writes its <see cref="ProblemDetails"/> as <c>application/problem+json</c>. ASP.NET's
/// <c>NotFound&lt;ProblemDetails&gt;</c> and friends write plain <c>application/json</c>, and
/// <c>ProblemHttpResult</c> hides the status from the handler's signature; the subclasses keep both, so
/// <c>Results&lt;Ok&lt;JobDto&gt;, NotFoundProblem&gt;</c> lists every outcome and OpenAPI documents it.
/// </summary>
public abstract class ProblemResult : IResult, IStatusCodeHttpResult, IValueHttpResult, IValueHttpResult<ProblemDetails>, IContentTypeHttpResult
{
    /// <summary>The media type of every error the API sends.</summary>
    public const string ContentType = "application/problem+json";

    /// <summary>Wraps <paramref name="problem"/>, forcing its status to <paramref name="statusCode"/>.</summary>
    protected ProblemResult(int statusCode, ProblemDetails problem)
    {
        ArgumentNullException.ThrowIfNull(problem);
        problem.Status = statusCode;
        Value = problem;
    }

    /// <summary>The problem document.</summary>
    public ProblemDetails Value { get; }

    object? IValueHttpResult.Value => Value;

    /// <summary>The HTTP status.</summary>
    public int StatusCode => Value.Status!.Value;

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    string IContentTypeHttpResult.ContentType => ContentType;

    /// <inheritdoc />
    public virtual Task ExecuteAsync(HttpContext httpContext)
    {
        return TypedResults.Problem(Value).ExecuteAsync(httpContext);
    }

    /// <summary>The OpenAPI metadata of a problem response with <paramref name="statusCode"/>.</summary>
    protected static void AddMetadata(EndpointBuilder builder, int statusCode)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.Metadata.Add(new ProducesResponseTypeMetadata(statusCode, typeof(ProblemDetails), [ContentType]));
    }
}
