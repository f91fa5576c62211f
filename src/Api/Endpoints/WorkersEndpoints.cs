using FineTune.Api.Auth;
using FineTune.Api.Contracts;
using FineTune.Persistence;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Workers;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Endpoints;

/// <summary><c>/v1/workers</c>: the live workers, what they run and what they are doing.</summary>
public static class WorkersEndpoints
{
    /// <summary>Maps the worker routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapWorkersEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/workers", ListWorkersAsync)
            .WithTags("Workers")
            .WithName("ListWorkers")
            .WithSummary("List live workers")
            .WithDescription("Workers are shared by all tenants; current_job is shown only when the job is the caller's.");
        return v1;
    }

    private static async Task<Ok<ListResponse<WorkerDto>>> ListWorkersAsync(
        HttpContext context,
        WorkerRegistry registry,
        FineTuneDbContext db,
        IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        IReadOnlyList<WorkerRegistration> workers = await registry.ListActiveAsync(options.Value.WorkerLivenessWindow, cancellationToken);
        List<string> ids = workers.Select(worker => worker.Id).ToList();
        var leases = await db.Jobs.AsNoTracking()
            .Where(job => job.LeaseOwner != null && ids.Contains(job.LeaseOwner)
                && (job.State == JobState.Running || job.State == JobState.Cancelling))
            .Select(job => new { job.Id, job.TenantId, Owner = job.LeaseOwner! })
            .ToListAsync(cancellationToken);
        Guid tenantId = context.TenantId();
        List<WorkerDto> data = workers
            .Select(worker =>
            {
                var lease = leases.FirstOrDefault(candidate => candidate.Owner == worker.Id);
                return new WorkerDto(
                    worker.Id,
                    worker.Host,
                    worker.Backends,
                    worker.MemoryBytes,
                    Busy: lease is not null,
                    CurrentJob: lease is not null && lease.TenantId == tenantId ? lease.Id : null,
                    worker.StartedAt.ToUnixTimeSeconds(),
                    worker.HeartbeatAt.ToUnixTimeSeconds());
            })
            .ToList();
        return TypedResults.Ok(new ListResponse<WorkerDto>(data, HasMore: false));
    }
}
