using FineTune.Api.Contracts;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Workers;
using FineTune.Training.Backends;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.Extensions.Options;

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
                + "live_workers counts workers offering it that heartbeated within ApiOptions:WorkerLivenessWindow.");
        return v1;
    }

    private static async Task<Ok<ListResponse<BackendDto>>> ListBackendsAsync(
        WorkerRegistry registry,
        IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<WorkerRegistration> workers = await registry.ListActiveAsync(options.Value.WorkerLivenessWindow, cancellationToken);
        List<BackendDto> data = TrainingBackends.All
            .Select(backend => new BackendDto(
                backend.Name,
                backend.Description,
                backend.OptionsSchema,
                workers.Count(worker => worker.Backends.Contains(backend.Name))))
            .ToList();
        return TypedResults.Ok(new ListResponse<BackendDto>(data, HasMore: false));
    }
}
