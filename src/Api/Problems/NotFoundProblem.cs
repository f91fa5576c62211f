using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>404 as problem+json: the tenant has no such resource (other tenants' resources are 404 too).</summary>
public sealed class NotFoundProblem : ProblemResult, IEndpointMetadataProvider
{
    /// <summary>Wraps <paramref name="problem"/> with status 404.</summary>
    public NotFoundProblem(ProblemDetails problem)
        : base(StatusCodes.Status404NotFound, problem)
    {
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AddMetadata(builder, StatusCodes.Status404NotFound);
}
