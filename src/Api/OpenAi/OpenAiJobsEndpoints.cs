using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Api.Auth;
using FineTune.Api.Endpoints;
using FineTune.Api.JobViews;
using FineTune.Api.Models;
using FineTune.Api.Submission;
using FineTune.Persistence;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FineTune.Api.OpenAi;

/// <summary>
/// OpenAI's fine-tuning jobs API over FineTune's queue: <c>/v1/fine_tuning/jobs</c> create, list (cursor pages),
/// get, cancel, pause and resume. A job made here is a native job too (<c>/v1/jobs/{id}</c> shows it, with either
/// id form); the request is turned into a native spec (<see cref="OpenAiJobRequest"/>) and submitted through
/// <see cref="JobSubmitter"/>, so validation, bounds, placement and Idempotency-Key are the native ones.
/// </summary>
public static class OpenAiJobsEndpoints
{
    /// <summary>Maps the job routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapOpenAiJobsEndpoints(this IEndpointRouteBuilder v1)
    {
        RouteGroupBuilder group = v1.MapGroup("/fine_tuning/jobs").WithTags("OpenAI-compatible");
        group.MapPost("/", CreateAsync)
            .WithName("OpenAiCreateFineTuningJob")
            .WithSummary("Create a fine-tuning job (OpenAI's API)")
            .WithDescription("method {type: supervised, supervised: {hyperparameters: {n_epochs, batch_size, learning_rate_multiplier}}} "
                + "or the legacy top-level hyperparameters; each 'auto' by default. FineTune's options ride as extra fields: "
                + string.Join(", ", OpenAiJobRequest.ExtraFields) + ", and in the hyperparameters " + string.Join(", ", OpenAiJobRequest.ExtraHyperparameters)
                + ". Any other method (dpo, reinforcement) is 400.")
            .Accepts<JsonObject>("application/json")
            .Produces<OpenAiJob>();
        group.MapGet("/", ListAsync).WithName("OpenAiListFineTuningJobs").WithSummary("List fine-tuning jobs, newest first").Produces<OpenAiList<OpenAiJob>>();
        group.MapGet("/{jobId}", GetAsync).WithName("OpenAiGetFineTuningJob").WithSummary("Get a fine-tuning job").Produces<OpenAiJob>();
        group.MapPost("/{jobId}/cancel", CancelAsync).WithName("OpenAiCancelFineTuningJob").WithSummary("Cancel a fine-tuning job").Produces<OpenAiJob>();
        group.MapPost("/{jobId}/pause", PauseAsync).WithName("OpenAiPauseFineTuningJob").WithSummary("Pause a fine-tuning job").Produces<OpenAiJob>();
        group.MapPost("/{jobId}/resume", ResumeAsync).WithName("OpenAiResumeFineTuningJob").WithSummary("Resume a paused fine-tuning job").Produces<OpenAiJob>();
        return v1;
    }

    private static async Task<IResult> CreateAsync(
        HttpRequest request,
        [FromHeader(Name = JobsEndpoints.IdempotencyKeyHeader)] string? idempotencyKey,
        JobSubmitter submitter,
        ModelCatalog models,
        ArtifactStore artifacts,
        JobPlacement placement,
        CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > JobSubmitter.MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl)))
        {
            return OpenAiError.BadRequest($"the Idempotency-Key header must be 1 to {JobSubmitter.MaxIdempotencyKeyLength} printable characters", "Idempotency-Key");
        }
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return OpenAiError.BadRequest($"the body is not valid JSON: {exception.Message}", null, "invalid_json");
        }
        using (document)
        {
            (JsonObject? spec, OpenAiError? error) = OpenAiJobRequest.ToNativeSpec(document.RootElement, model => models.Find(model)?.Parameters);
            if (error is not null)
            {
                return error;
            }
            using JsonDocument native = JsonDocument.Parse(spec!.ToJsonString());
            Guid tenantId = request.HttpContext.TenantId();
            JobSubmission submission = await submitter.SubmitAsync(tenantId, native.RootElement, idempotencyKey, cancellationToken);
            switch (submission.Outcome)
            {
                case JobSubmissionOutcome.Created:
                    return TypedResults.Ok(OpenAiJobView.From(submission.Job!, [], submission.Workers!, ParametersOf(models)));
                case JobSubmissionOutcome.Replayed:
                    request.HttpContext.Response.Headers[JobsEndpoints.ReplayedHeader] = "true";
                    IReadOnlyList<Artifact> files = await artifacts.ListAsync(tenantId, submission.Job!.Id, cancellationToken);
                    return TypedResults.Ok(OpenAiJobView.From(submission.Job, files, await placement.LiveWorkersAsync(cancellationToken), ParametersOf(models)));
                case JobSubmissionOutcome.KeyReused:
                    return OpenAiError.BadRequest("this Idempotency-Key was already used with a different request body; send a new key for a new job", "Idempotency-Key", "idempotency_key_reused");
                default:
                    (string field, string[] messages) = submission.Errors!.First();
                    string param = OpenAiJobRequest.OpenAiParam(field, OpenAiJobRequest.HyperparametersPath(document.RootElement));
                    string others = submission.Errors!.Count > 1 ? $" (and {submission.Errors.Count - 1} more: {string.Join(", ", submission.Errors.Keys.Skip(1).Select(key => OpenAiJobRequest.OpenAiParam(key, OpenAiJobRequest.HyperparametersPath(document.RootElement))))})" : "";
                    return OpenAiError.BadRequest($"{param}: {string.Join("; ", messages)}{others}", param, "invalid_value");
            }
        }
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, [FromQuery] string? after, [FromQuery] int? limit, FineTuneDbContext db, ModelCatalog models, JobPlacement placement, CancellationToken cancellationToken)
    {
        if (OpenAiPaging.Limit(limit, 100) is not int take)
        {
            return OpenAiPaging.BadLimit(100);
        }
        Guid tenantId = context.TenantId();
        IQueryable<Job> query = db.Jobs.AsNoTracking().Where(job => job.TenantId == tenantId);
        Guid? cursor = null;
        if (after is not null)
        {
            if (!OpenAiIds.TryParse(after, OpenAiIds.Job, out Guid parsed))
            {
                return OpenAiError.BadRequest($"'{after}' is not a fine-tuning job id", "after", "invalid_value");
            }
            cursor = parsed;
        }
        JobPage page = await JobPage.ReadAsync(db, tenantId, query, cursor, take, cancellationToken);
        LiveWorkers workers = await placement.LiveWorkersAsync(cancellationToken);
        List<OpenAiJob> data = page.Jobs.Select(job => OpenAiJobView.From(job, page.Outputs[job.Id], workers, ParametersOf(models))).ToList();
        return TypedResults.Ok(OpenAiPaging.Page(data, page.HasMore, job => job.Id));
    }

    private static async Task<IResult> GetAsync(HttpContext context, string jobId, JobQueue queue, ArtifactStore artifacts, ModelCatalog models, JobPlacement placement, CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        if (await FindAsync(tenantId, jobId, queue, cancellationToken) is not Job job)
        {
            return NoJob(jobId);
        }
        return TypedResults.Ok(await ViewAsync(job, artifacts, models, placement, cancellationToken));
    }

    private static async Task<IResult> CancelAsync(
        HttpContext context, string jobId, JobQueue queue, JobDispatcher dispatcher, ArtifactStore artifacts, ModelCatalog models, JobPlacement placement, CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        if (await FindAsync(tenantId, jobId, queue, cancellationToken) is not Job job)
        {
            return NoJob(jobId);
        }
        if (job.State is JobState.Succeeded or JobState.Failed)
        {
            return OpenAiError.BadRequest($"job {jobId} already {job.State.ToApiStatus()}; only unfinished jobs can be cancelled", null, "invalid_state");
        }
        // Not yet running: cancelled at once, with its final event, and its Hangfire job deleted.
        await dispatcher.CancelAsync(queue, tenantId, job.Id, cancellationToken);
        job = await queue.GetAsync(tenantId, job.Id, cancellationToken) ?? job;
        return TypedResults.Ok(await ViewAsync(job, artifacts, models, placement, cancellationToken));
    }

    private static async Task<IResult> PauseAsync(
        HttpContext context, string jobId, JobQueue queue, JobDispatcher dispatcher, ArtifactStore artifacts, ModelCatalog models, JobPlacement placement, CancellationToken cancellationToken)
    {
        if (!OpenAiIds.TryParse(jobId, OpenAiIds.Job, out Guid id))
        {
            return NoJob(jobId);
        }
        (Job? job, string? refusal) = await JobPauseControl.PauseAsync(queue, dispatcher, context.TenantId(), id, cancellationToken);
        return await ControlResultAsync(jobId, job, refusal, artifacts, models, placement, cancellationToken);
    }

    private static async Task<IResult> ResumeAsync(
        HttpContext context, string jobId, JobQueue queue, JobDispatcher dispatcher, ArtifactStore artifacts, ModelCatalog models, JobPlacement placement, CancellationToken cancellationToken)
    {
        if (!OpenAiIds.TryParse(jobId, OpenAiIds.Job, out Guid id))
        {
            return NoJob(jobId);
        }
        (Job? job, string? refusal) = await JobPauseControl.ResumeAsync(queue, dispatcher, context.TenantId(), id, cancellationToken);
        return await ControlResultAsync(jobId, job, refusal, artifacts, models, placement, cancellationToken);
    }

    // A wrong state is 400 invalid_state, as for cancel on this surface (the native routes answer 409).
    private static async Task<IResult> ControlResultAsync(
        string jobId, Job? job, string? refusal, ArtifactStore artifacts, ModelCatalog models, JobPlacement placement, CancellationToken cancellationToken)
    {
        if (job is null)
        {
            return NoJob(jobId);
        }
        if (refusal is not null)
        {
            return OpenAiError.BadRequest(refusal, null, "invalid_state");
        }
        return TypedResults.Ok(await ViewAsync(job, artifacts, models, placement, cancellationToken));
    }

    internal static async Task<Job?> FindAsync(Guid tenantId, string jobId, JobQueue queue, CancellationToken cancellationToken)
    {
        return OpenAiIds.TryParse(jobId, OpenAiIds.Job, out Guid id) ? await queue.GetAsync(tenantId, id, cancellationToken) : null;
    }

    internal static OpenAiError NoJob(string jobId) => OpenAiError.NotFound($"No such fine-tuning job: {jobId}", "fine_tuning_job_id");

    private static async Task<OpenAiJob> ViewAsync(Job job, ArtifactStore artifacts, ModelCatalog models, JobPlacement placement, CancellationToken cancellationToken)
    {
        IReadOnlyList<Artifact> files = await artifacts.ListAsync(job.TenantId, job.Id, cancellationToken);
        return OpenAiJobView.From(job, files, await placement.LiveWorkersAsync(cancellationToken), ParametersOf(models));
    }

    private static Func<string, long?> ParametersOf(ModelCatalog models) => model => models.Find(model)?.Parameters;
}
