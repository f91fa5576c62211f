using System.Reflection;
using Microsoft.AspNetCore.Http.Metadata;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>413 as problem+json: the body is larger than the route accepts.</summary>
public sealed class PayloadTooLargeProblem : ProblemResult, IEndpointMetadataProvider
{
    /// <summary>Wraps <paramref name="problem"/> with status 413.</summary>
    public PayloadTooLargeProblem(ProblemDetails problem)
        : base(StatusCodes.Status413PayloadTooLarge, problem)
    {
    }

    /// <inheritdoc />
    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) => AddMetadata(builder, StatusCodes.Status413PayloadTooLarge);
}
