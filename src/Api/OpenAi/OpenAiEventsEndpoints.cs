using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Api.Auth;
using FineTune.Api.JobViews;
using FineTune.Contracts.Jobs;
using FineTune.Persistence;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FineTune.Api.OpenAi;

/// <summary>
/// A job's log and checkpoints as OpenAI lists them: <c>/v1/fine_tuning/jobs/{id}/events</c> and
/// <c>…/checkpoints</c>, newest first, paged with <c>after</c> (an event or checkpoint id) and <c>limit</c>.
/// </summary>
public static class OpenAiEventsEndpoints
{
    /// <summary>Maps the routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapOpenAiEventsEndpoints(this IEndpointRouteBuilder v1)
    {
        RouteGroupBuilder group = v1.MapGroup("/fine_tuning/jobs/{jobId}").WithTags("OpenAI-compatible");
        group.MapGet("/events", ListEventsAsync).WithName("OpenAiListFineTuningEvents").WithSummary("List a job's events, newest first").Produces<OpenAiList<OpenAiEvent>>();
        group.MapGet("/checkpoints", ListCheckpointsAsync).WithName("OpenAiListFineTuningCheckpoints").WithSummary("List a job's checkpoints, newest first").Produces<OpenAiList<OpenAiCheckpoint>>();
        return v1;
    }

    private static async Task<IResult> ListEventsAsync(
        HttpContext context, string jobId, [FromQuery] string? after, [FromQuery] int? limit, JobQueue queue, FineTuneDbContext db, CancellationToken cancellationToken)
    {
        if (OpenAiPaging.Limit(limit, 1000) is not int take)
        {
            return OpenAiPaging.BadLimit(1000);
        }
        if (await OpenAiJobsEndpoints.FindAsync(context.TenantId(), jobId, queue, cancellationToken) is not Job job)
        {
            return OpenAiJobsEndpoints.NoJob(jobId);
        }
        IQueryable<JobEvent> query = db.JobEvents.AsNoTracking().Where(entry => entry.JobId == job.Id);
        if (after is not null)
        {
            if (!OpenAiIds.TryParseEvent(after, job.Id, out long? before))
            {
                return OpenAiError.BadRequest($"'{after}' is not an event id of job {jobId}", "after", "invalid_value");
            }
            query = query.Where(entry => entry.Seq < before);
        }
        List<JobEvent> page = await query.OrderByDescending(entry => entry.Seq).Take(take + 1).ToListAsync(cancellationToken);
        List<OpenAiEvent> data = page.Take(take).Select(OpenAiEvent.From).ToList();
        return TypedResults.Ok(OpenAiPaging.Page(data, page.Count > take, entry => entry.Id));
    }

    private static async Task<IResult> ListCheckpointsAsync(
        HttpContext context, string jobId, [FromQuery] string? after, [FromQuery] int? limit, JobQueue queue, FineTuneDbContext db, CancellationToken cancellationToken)
    {
        if (OpenAiPaging.Limit(limit, 100, 10) is not int take)
        {
            return OpenAiPaging.BadLimit(100);
        }
        if (await OpenAiJobsEndpoints.FindAsync(context.TenantId(), jobId, queue, cancellationToken) is not Job job)
        {
            return OpenAiJobsEndpoints.NoJob(jobId);
        }
        IQueryable<Checkpoint> query = db.Checkpoints.AsNoTracking().Where(checkpoint => checkpoint.JobId == job.Id);
        // OpenAI lists the last epoch's checkpoint too: a succeeded job's final step is listed first, under the job's own
        // id as its checkpoint id (the model at that step is the job's fine_tuned_model), unless a checkpoint row has it.
        long? finalStep = JobView.FinalStep(job) is long ended && ended > 0 ? ended : null;
        if (finalStep is long last && await query.AnyAsync(checkpoint => checkpoint.Step == last, cancellationToken))
        {
            finalStep = null;
        }
        bool listFinal = finalStep is not null;
        if (after is not null)
        {
            if (!OpenAiIds.TryParse(after, OpenAiIds.Checkpoint, out Guid cursor))
            {
                return BadCursor(after, jobId);
            }
            long? before = finalStep is long final && cursor == job.Id
                ? final
                : (await db.Checkpoints.AsNoTracking().SingleOrDefaultAsync(checkpoint => checkpoint.Id == cursor && checkpoint.JobId == job.Id, cancellationToken))?.Step;
            if (before is not long step)
            {
                return BadCursor(after, jobId);
            }
            query = query.Where(checkpoint => checkpoint.Step < step);
            listFinal = false;
        }
        List<(Guid Id, long Step, DateTimeOffset CreatedAt)> page = (await query.OrderByDescending(checkpoint => checkpoint.Step).Take(take + 1).ToListAsync(cancellationToken))
            .Select(checkpoint => (checkpoint.Id, checkpoint.Step, checkpoint.CreatedAt)).ToList();
        if (listFinal)
        {
            page.Insert(0, (job.Id, finalStep!.Value, job.FinalizedAt ?? job.CreatedAt));
        }
        long[] steps = page.Select(checkpoint => checkpoint.Step).ToArray();
        Dictionary<long, JsonObject> metrics = await MetricsAsync(db, job.Id, steps, cancellationToken);
        string modelName = ModelName(job);
        List<OpenAiCheckpoint> data = page.Take(take)
            .Select(checkpoint => new OpenAiCheckpoint(
                OpenAiIds.Format(OpenAiIds.Checkpoint, checkpoint.Id),
                checkpoint.CreatedAt.ToUnixTimeSeconds(),
                $"{modelName}:ckpt-step-{checkpoint.Step}",
                OpenAiIds.Format(OpenAiIds.Job, job.Id),
                metrics.TryGetValue(checkpoint.Step, out JsonObject? found) ? found : new JsonObject { ["step"] = checkpoint.Step },
                checkpoint.Step))
            .ToList();
        return TypedResults.Ok(OpenAiPaging.Page(data, page.Count > take, checkpoint => checkpoint.Id));
    }

    private static OpenAiError BadCursor(string after, string jobId) =>
        OpenAiError.BadRequest($"'{after}' is not a checkpoint id of job {jobId}", "after", "invalid_value");

    // The step (and validation) events at the checkpoints' steps; jsonb is filtered in Postgres, so a long job's
    // thousands of step events are not read.
    private static async Task<Dictionary<long, JsonObject>> MetricsAsync(FineTuneDbContext db, Guid jobId, long[] steps, CancellationToken cancellationToken)
    {
        var metrics = new Dictionary<long, JsonObject>();
        if (steps.Length == 0)
        {
            return metrics;
        }
        List<JobEvent> events = await db.JobEvents
            .FromSqlInterpolated($"SELECT * FROM job_event WHERE job_id = {jobId} AND type IN ('step', 'eval') AND jsonb_typeof(payload->'step') = 'number' AND (payload->>'step')::bigint = ANY({steps}) ORDER BY seq")
            .AsNoTracking()
            .ToListAsync(cancellationToken);
        foreach (JobEvent entry in events)
        {
            if (JsonNode.Parse(entry.Payload) is not JsonObject payload || payload["step"] is not JsonValue stepValue || !stepValue.TryGetValue(out long step))
            {
                continue;
            }
            JsonObject row = metrics.TryGetValue(step, out JsonObject? existing) ? existing : metrics[step] = new JsonObject { ["step"] = step };
            if (entry.Type == "step")
            {
                row["train_loss"] = payload["loss"]?.DeepClone();
            }
            else
            {
                row["valid_loss"] = payload["eval_loss"]?.DeepClone();
                row["full_valid_loss"] = payload["eval_loss"]?.DeepClone();
            }
        }
        return metrics;
    }

    private static string ModelName(Job job)
    {
        try
        {
            using JsonDocument document = JsonDocument.Parse(job.Spec);
            if (JobSpecJson.ReadStored(document.RootElement).Spec is { } spec)
            {
                return JobView.FineTunedModelName(spec.Model, spec.Suffix, job.Id);
            }
        }
        catch (JsonException)
        {
            // A stored spec that no longer parses still lists its checkpoints, under the job's id.
        }
        return $"ft:unknown::{job.Id:N}";
    }
}
