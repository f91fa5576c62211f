using FineTune.Api.Auth;
using FineTune.Api.Contracts;
using FineTune.Api.JobViews;
using FineTune.Api.Problems;
using FineTune.Persistence;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;

namespace FineTune.Api.Endpoints;

/// <summary>
/// A job's files: <c>/v1/jobs/{jobId}/checkpoints</c>, <c>/v1/jobs/{jobId}/artifacts</c> and the download
/// <c>/v1/jobs/{jobId}/artifacts/{name}</c>, streamed from the chunk store with Range support and the SHA-256 as ETag.
/// Only outputs are served. Checkpoint archives stay inside the service: under DP they hold the sampling seed and the
/// noise generator's state (drawn from the OS CSPRNG, needed to resume), and whoever holds those can regenerate the
/// noise and subtract it. So checkpoints are listed by step only and their archives answer 404 like a missing file.
/// </summary>
public static class JobArtifactsEndpoints
{
    /// <summary>Maps the checkpoint and artifact routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapJobArtifactsEndpoints(this IEndpointRouteBuilder v1)
    {
        RouteGroupBuilder group = v1.MapGroup("/jobs/{jobId:guid}").WithTags("Jobs");
        group.MapGet("/checkpoints", ListCheckpointsAsync).WithName("ListJobCheckpoints").WithSummary("List a job's resume points, by step");
        group.MapGet("/artifacts", ListArtifactsAsync).WithName("ListJobArtifacts").WithSummary("List a job's output files");
        group.MapGet("/artifacts/{*name}", DownloadArtifactAsync)
            .WithName("DownloadJobArtifact")
            .WithSummary("Download a job's file")
            .WithDescription("Streams the file. Supports Range (206), and If-None-Match / If-Range against the ETag, which is "
                + "the file's SHA-256 in hex (304 when it matches).")
            .Produces<Stream>(StatusCodes.Status200OK, "application/octet-stream")
            .Produces<Stream>(StatusCodes.Status206PartialContent, "application/octet-stream")
            .Produces(StatusCodes.Status304NotModified)
            .Produces(StatusCodes.Status416RangeNotSatisfiable);
        return v1;
    }

    private static async Task<Results<Ok<ListResponse<CheckpointDto>>, NotFoundProblem>> ListCheckpointsAsync(
        HttpContext context,
        Guid jobId,
        JobQueue queue,
        FineTuneDbContext db,
        CancellationToken cancellationToken)
    {
        if (await queue.GetAsync(context.TenantId(), jobId, cancellationToken) is null)
        {
            return JobsEndpoints.NotFound(jobId);
        }
        var rows = await db.Checkpoints.AsNoTracking()
            .Where(checkpoint => checkpoint.JobId == jobId)
            .OrderBy(checkpoint => checkpoint.Step)
            .ToListAsync(cancellationToken);
        List<CheckpointDto> data = rows
            .Select(row => new CheckpointDto(row.Id, row.Step, row.Attempt, row.CreatedAt.ToUnixTimeSeconds()))
            .ToList();
        return TypedResults.Ok(new ListResponse<CheckpointDto>(data, HasMore: false));
    }

    private static async Task<Results<Ok<ListResponse<ArtifactDto>>, NotFoundProblem>> ListArtifactsAsync(
        HttpContext context,
        Guid jobId,
        JobQueue queue,
        ArtifactStore artifacts,
        CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        if (await queue.GetAsync(tenantId, jobId, cancellationToken) is null)
        {
            return JobsEndpoints.NotFound(jobId);
        }
        IReadOnlyList<Artifact> files = await artifacts.ListAsync(tenantId, jobId, cancellationToken);
        List<ArtifactDto> outputs = files.Where(file => file.Kind == ArtifactKind.Output).Select(JobView.ToDto).ToList();
        return TypedResults.Ok(new ListResponse<ArtifactDto>(outputs, HasMore: false));
    }

    private static async Task<Results<FileStreamHttpResult, NotFoundProblem>> DownloadArtifactAsync(
        HttpContext context,
        Guid jobId,
        string name,
        ArtifactStore artifacts,
        CancellationToken cancellationToken)
    {
        Artifact? artifact = await artifacts.GetAsync(context.TenantId(), jobId, name, cancellationToken);
        if (artifact is null || artifact.Kind != ArtifactKind.Output)
        {
            return ApiProblems.NotFound($"job {jobId} has no artifact '{name}'");
        }
        // The ETag is the content hash, so it is strong and equal across replicas; ASP.NET answers If-None-Match with
        // 304 and serves ranges by seeking the blob stream, which reads only the chunks in the range.
        var entityTag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(artifact.Sha256)}\"");
        return TypedResults.Stream(
            artifacts.OpenRead(artifact),
            artifact.ContentType,
            fileDownloadName: Path.GetFileName(artifact.Name),
            lastModified: artifact.CreatedAt,
            entityTag: entityTag,
            enableRangeProcessing: true);
    }
}
