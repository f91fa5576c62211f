using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>415 as problem+json: the body's Content-Type is not one the route reads.</summary>
public sealed class UnsupportedMediaTypeProblem : ProblemResult, IEndpointMetadataProvider
{
    /// <summary>Wraps <paramref name="problem"/> with status 415.</summary>
    public UnsupportedMediaTypeProblem(ProblemDetails problem)
        : base(StatusCodes.Status415UnsupportedMediaType, problem)
    {
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AddMetadata(builder, StatusCodes.Status415UnsupportedMediaType);
}
