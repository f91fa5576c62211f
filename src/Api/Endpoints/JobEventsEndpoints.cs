using System.Text.Json.Nodes;
using FineTune.Api.Auth;
using FineTune.Api.Contracts;
using FineTune.Api.Problems;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Events;
using FineTune.Persistence.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Endpoints;

/// <summary>
/// <c>/v1/jobs/{jobId}/events</c>: a page of the job's event log, oldest first. The log is gapless, so a client that
/// has seen seq n asks with <c>after=n</c> and misses nothing (the jobs hub serves the same log live).
/// </summary>
public static class JobEventsEndpoints
{
    private const int DefaultLimit = 100;
    private const int MaxLimit = 1000;

    /// <summary>Maps the event route under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapJobEventsEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/jobs/{jobId:guid}/events", ListEventsAsync)
            .WithTags("Jobs")
            .WithName("ListJobEvents")
            .WithSummary("Read a job's event log")
            .WithDescription("Events with seq greater than 'after' (default 0), oldest first, at most 'limit' (default 100, max 1000).");
        return v1;
    }

    private static async Task<Results<Ok<ListResponse<JobEventDto>>, NotFoundProblem, ValidationProblem>> ListEventsAsync(
        HttpContext context,
        Guid jobId,
        [FromQuery] long? after,
        [FromQuery] int? limit,
        JobQueue queue,
        JobEventLog events,
        CancellationToken cancellationToken)
    {
        if (!Paging.TryGetLimit(limit, out int take, out ValidationProblem? problem, DefaultLimit, MaxLimit))
        {
            return problem;
        }
        if (after is < 0)
        {
            return ApiProblems.BadRequest("after", "must be a seq of 0 or more");
        }
        Guid tenantId = context.TenantId();
        // The log reads empty for a job the tenant does not have; the job lookup turns that into a 404.
        if (await queue.GetAsync(tenantId, jobId, cancellationToken) is null)
        {
            return JobsEndpoints.NotFound(jobId);
        }
        IReadOnlyList<JobEvent> page = await events.ReadEventsAsync(tenantId, jobId, after ?? 0, take + 1, cancellationToken);
        List<JobEventDto> data = page.Take(take)
            .Select(entry => new JobEventDto(entry.Seq, entry.Type, JsonNode.Parse(entry.Payload), entry.Attempt, entry.CreatedAt.ToUnixTimeSeconds()))
            .ToList();
        return TypedResults.Ok(new ListResponse<JobEventDto>(data, page.Count > take));
    }
}
