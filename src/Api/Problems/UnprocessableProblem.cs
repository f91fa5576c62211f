using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>422 as problem+json: the request is well-formed but invalid; the problem names the fields at fault.</summary>
public sealed class UnprocessableProblem : ProblemResult, IEndpointMetadataProvider
{
    /// <summary>Wraps <paramref name="problem"/> with status 422.</summary>
    public UnprocessableProblem(ProblemDetails problem)
        : base(StatusCodes.Status422UnprocessableEntity, problem)
    {
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AddMetadata(builder, StatusCodes.Status422UnprocessableEntity);
}
