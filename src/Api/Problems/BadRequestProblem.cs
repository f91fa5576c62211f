using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>400 as problem+json: the request is malformed.</summary>
public sealed class BadRequestProblem : ProblemResult, IEndpointMetadataProvider
{
    /// <summary>Wraps <paramref name="problem"/> with status 400.</summary>
    public BadRequestProblem(ProblemDetails problem)
        : base(StatusCodes.Status400BadRequest, problem)
    {
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AddMetadata(builder, StatusCodes.Status400BadRequest);
}
