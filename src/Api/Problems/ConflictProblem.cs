using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>409 as problem+json: the request conflicts with the resource's current state.</summary>
public sealed class ConflictProblem : ProblemResult, IEndpointMetadataProvider
{
    /// <summary>Wraps <paramref name="problem"/> with status 409.</summary>
    public ConflictProblem(ProblemDetails problem)
        : base(StatusCodes.Status409Conflict, problem)
    {
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AddMetadata(builder, StatusCodes.Status409Conflict);
}
