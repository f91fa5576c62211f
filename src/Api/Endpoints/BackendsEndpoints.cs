using FineTune.Api.Contracts;
using FineTune.Api.Submission;
using FineTune.Contracts.Backends;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.Api.Endpoints;

/// <summary><c>/v1/backends</c>: each training backend, the JSON Schema of its options and its live workers.</summary>
public static class BackendsEndpoints
{
    /// <summary>Maps the backend routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapBackendsEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/backends", ListBackendsAsync)
            .WithTags("Backends")
            .WithName("ListBackends")
            .WithSummary("List training backends")
            .WithDescription("Each backend's options_schema is the JSON Schema that a job's backend_options must satisfy; "
                + "live_workers counts workers offering it that heartbeated within ApiOptions:WorkerLivenessWindow; with none, "
                + "warning says that its jobs stay queued until one starts.");
        return v1;
    }

    private static async Task<Ok<ListResponse<BackendDto>>> ListBackendsAsync(
        JobPlacement placement,
        CancellationToken cancellationToken)
    {
        LiveWorkers workers = await placement.LiveWorkersAsync(cancellationToken);
        List<BackendDto> data = BackendDescriptors.All
            .Select(backend => new BackendDto(
                backend.Name,
                backend.Description,
                backend.OptionsSchema,
                workers.Count(backend.Name),
                workers.BackendWarning(backend.Name)))
            .ToList();
        return TypedResults.Ok(new ListResponse<BackendDto>(data, HasMore: false));
    }
}
