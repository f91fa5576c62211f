using System.Text.Json;
using FineTune.Api.Auth;
using FineTune.Api.Contracts;
using FineTune.Api.JobViews;
using FineTune.Api.Problems;
using FineTune.Api.Submission;
using FineTune.Api.Telemetry;
using FineTune.Contracts.Jobs;
using FineTune.Persistence;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Text.Chat;
using FineTune.Text.Data;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;

namespace FineTune.Api.Endpoints;

/// <summary>
/// <c>/v1/jobs</c>: submit (strictly validated, Idempotency-Key honoured), list with cursor pagination, get, cancel,
/// pause and resume.
/// The job's log, checkpoints and files are in <see cref="JobEventsEndpoints"/> and <see cref="JobArtifactsEndpoints"/>.
/// </summary>
public static class JobsEndpoints
{
    /// <summary>The header that makes a submission safe to retry.</summary>
    public const string IdempotencyKeyHeader = "Idempotency-Key";

    /// <summary>Set on a response that replays an earlier submission instead of creating a job.</summary>
    public const string ReplayedHeader = "Idempotent-Replayed";

    /// <summary>Maps the job routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapJobsEndpoints(this IEndpointRouteBuilder v1)
    {
        RouteGroupBuilder group = v1.MapGroup("/jobs").WithTags("Jobs");
        group.MapPost("/", CreateJobAsync)
            .WithName("CreateJob")
            .WithSummary("Submit a fine-tuning job")
            .WithDescription("Validated by the same parser the worker uses: an unknown field, a wrong type, an option the "
                + "backend does not support, another tenant's or a missing dataset, or an unknown model is 422 naming the "
                + "field. 'auto' is accepted for hyperparameters.learning_rate, hyperparameters.batch_size and "
                + "privacy.delta. With an Idempotency-Key header, a retry with the same key and the same body returns the "
                + "original job with 200 and 'Idempotent-Replayed: true'; the same key with a different body is 422. "
                + "required_memory_bytes is estimated from the model, dtype, batch_size and max_seq_len; only a worker with "
                + "that much memory per job claims the job. When no live worker offers the backend or has that memory, the "
                + "job is queued with 'warnings' saying so, or refused with 422 naming 'backend' under ApiOptions:StrictPlacement. "
                + "Every number must be finite and in range (else 422 naming the field): " + JobSpecBounds.Describe()
                + "; an explicit hyperparameters.max_seq_len is also at most the model's max_position_embeddings. "
                + "format: auto or one of " + string.Join(", ", DatasetFormats.Names) + " (aliases: openai, chat, conversations, "
                + "completion); chat_template: one of " + string.Join(", ", ChatTemplates.Names) + ".")
            .Accepts<JobCreateRequest>("application/json");
        group.MapGet("/", ListJobsAsync)
            .WithName("ListJobs")
            .WithSummary("List jobs, newest first")
            .WithDescription("Cursor pagination: pass the last job's id as 'after'. Filter with 'status'.");
        group.MapGet("/{jobId:guid}", GetJobAsync).WithName("GetJob").WithSummary("Get a job");
        group.MapPost("/{jobId:guid}/cancel", CancelJobAsync)
            .WithName("CancelJob")
            .WithSummary("Cancel a job")
            .WithDescription("A job that has not started is cancelled at once; a running one becomes 'cancelling' until "
                + "its worker stops. Cancelling a cancelled job is a no-op; a succeeded or failed job is 409.");
        group.MapPost("/{jobId:guid}/pause", PauseJobAsync)
            .WithName("PauseJob")
            .WithSummary("Pause a job")
            .WithDescription("A queued job is paused at once; a running one shows as 'pausing' until its worker has stored a "
                + "checkpoint of its last step and stopped, then 'paused'. Pausing a paused job is a no-op; any other state is 409.");
        group.MapPost("/{jobId:guid}/resume", ResumeJobAsync)
            .WithName("ResumeJob")
            .WithSummary("Resume a paused job")
            .WithDescription("The job is queued again and its next attempt continues from its latest checkpoint (no step "
                + "after it is redone). A job that is not paused (also one still 'pausing') is 409.");
        group.MapDelete("/{jobId:guid}", DeleteJobAsync)
            .WithName("DeleteJob")
            .WithSummary("Delete a finished job")
            .WithDescription("Deletes a succeeded, failed or cancelled job with its events, checkpoints, files and "
                + "Idempotency-Key; its datasets can be deleted afterwards. An unfinished job is 409: cancel it first.");
        return v1;
    }

    private static async Task<Results<Created<JobDto>, Ok<JobDto>, UnprocessableProblem, ValidationProblem, UnsupportedMediaTypeProblem>> CreateJobAsync(
        HttpRequest request,
        [FromHeader(Name = IdempotencyKeyHeader)] string? idempotencyKey,
        JobSubmitter submitter,
        ArtifactStore artifacts,
        JobPlacement placement,
        CancellationToken cancellationToken)
    {
        if (idempotencyKey is not null && (idempotencyKey.Length is 0 or > JobSubmitter.MaxIdempotencyKeyLength || idempotencyKey.Any(char.IsControl)))
        {
            return ApiProblems.BadRequest(IdempotencyKeyHeader, $"must be 1 to {JobSubmitter.MaxIdempotencyKeyLength} printable characters");
        }
        if (request.ContentType is { Length: > 0 } contentType && !request.HasJsonContentType())
        {
            return ApiProblems.UnsupportedMediaType(contentType, "application/json");
        }
        DateTimeOffset submitStartedAt = DateTimeOffset.UtcNow;
        JsonDocument document;
        try
        {
            document = await JsonDocument.ParseAsync(request.Body, cancellationToken: cancellationToken);
        }
        catch (JsonException exception)
        {
            return ApiProblems.BadRequest("body", $"is not valid JSON: {exception.Message}");
        }
        using (document)
        {
            if (JsonTextCheck.FindUnreadable(document.RootElement) is { } unreadable)
            {
                // Valid JSON that is not text (a lone surrogate escape) would throw wherever it is read or re-written.
                return ApiProblems.Invalid(unreadable.Length == 0 ? "body" : unreadable, "is not valid text: it holds an escaped lone UTF-16 surrogate");
            }
            JobSubmission submission = await submitter.SubmitAsync(request.HttpContext.TenantId(), document.RootElement, idempotencyKey, cancellationToken);
            switch (submission.Outcome)
            {
                case JobSubmissionOutcome.Created:
                    SubmitSpan.Record(submission.Job!, submitStartedAt);
                    JobDto created = JobView.ToDto(submission.Job!, [], submission.Workers!);
                    return TypedResults.Created($"/v1/jobs/{created.Id}", created);
                case JobSubmissionOutcome.Replayed:
                    request.HttpContext.Response.Headers[ReplayedHeader] = "true";
                    IReadOnlyList<Artifact> files = await artifacts.ListAsync(submission.Job!.TenantId, submission.Job.Id, cancellationToken);
                    return TypedResults.Ok(JobView.ToDto(submission.Job, files, await placement.LiveWorkersAsync(cancellationToken)));
                case JobSubmissionOutcome.KeyReused:
                    return ApiProblems.Invalid(IdempotencyKeyHeader, "was already used with a different request body; send a new key for a new job");
                default:
                    IDictionary<string, string[]> errors = submission.Errors!;
                    return ApiProblems.Invalid(errors, $"invalid fields: {string.Join(", ", errors.Keys)}");
            }
        }
    }

    private static async Task<Results<Ok<ListResponse<JobDto>>, ValidationProblem>> ListJobsAsync(
        HttpContext context,
        [FromQuery] Guid? after,
        [FromQuery] int? limit,
        [FromQuery] string? status,
        FineTuneDbContext db,
        JobPlacement placement,
        CancellationToken cancellationToken)
    {
        if (!Paging.TryGetLimit(limit, out int take, out ValidationProblem? problem))
        {
            return problem;
        }
        Guid tenantId = context.TenantId();
        IQueryable<Job> query = db.Jobs.AsNoTracking().Where(job => job.TenantId == tenantId);
        if (status is not null)
        {
            if (query.WhereApiStatus(status) is not IQueryable<Job> filtered)
            {
                return ApiProblems.BadRequest("status", $"must be one of {string.Join(", ", JobStateExtensions.ApiStatuses)}");
            }
            query = filtered;
        }
        JobPage page = await JobPage.ReadAsync(db, tenantId, query, after, take, cancellationToken);
        LiveWorkers workers = await placement.LiveWorkersAsync(cancellationToken);
        List<JobDto> data = page.Jobs.Select(job => JobView.ToDto(job, page.Outputs[job.Id], workers)).ToList();
        return TypedResults.Ok(new ListResponse<JobDto>(data, page.HasMore));
    }

    private static async Task<Results<Ok<JobDto>, NotFoundProblem>> GetJobAsync(
        HttpContext context,
        Guid jobId,
        JobQueue queue,
        ArtifactStore artifacts,
        JobPlacement placement,
        CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        Job? job = await queue.GetAsync(tenantId, jobId, cancellationToken);
        if (job is null)
        {
            return NotFound(jobId);
        }
        return TypedResults.Ok(JobView.ToDto(job, await artifacts.ListAsync(tenantId, jobId, cancellationToken), await placement.LiveWorkersAsync(cancellationToken)));
    }

    private static async Task<Results<Ok<JobDto>, NotFoundProblem, ConflictProblem>> CancelJobAsync(
        HttpContext context,
        Guid jobId,
        JobQueue queue,
        JobDispatcher dispatcher,
        ArtifactStore artifacts,
        JobPlacement placement,
        CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        Job? job = await queue.GetAsync(tenantId, jobId, cancellationToken);
        if (job is null)
        {
            return NotFound(jobId);
        }
        if (job.State is JobState.Succeeded or JobState.Failed)
        {
            return ApiProblems.Conflict($"job {jobId} already {job.State.ToApiStatus()}; only unfinished jobs can be cancelled");
        }
        // Not yet running: cancelled at once, with its final event, and its Hangfire job deleted.
        await dispatcher.CancelAsync(queue, tenantId, jobId, cancellationToken);
        job = await queue.GetAsync(tenantId, jobId, cancellationToken) ?? job;
        return TypedResults.Ok(JobView.ToDto(job, await artifacts.ListAsync(tenantId, jobId, cancellationToken), await placement.LiveWorkersAsync(cancellationToken)));
    }

    private static async Task<Results<Ok<JobDto>, NotFoundProblem, ConflictProblem>> PauseJobAsync(
        HttpContext context,
        Guid jobId,
        JobQueue queue,
        JobDispatcher dispatcher,
        ArtifactStore artifacts,
        JobPlacement placement,
        CancellationToken cancellationToken)
    {
        (Job? job, string? refusal) = await JobPauseControl.PauseAsync(queue, dispatcher, context.TenantId(), jobId, cancellationToken);
        return await ControlResultAsync(jobId, job, refusal, artifacts, placement, cancellationToken);
    }

    private static async Task<Results<Ok<JobDto>, NotFoundProblem, ConflictProblem>> ResumeJobAsync(
        HttpContext context,
        Guid jobId,
        JobQueue queue,
        JobDispatcher dispatcher,
        ArtifactStore artifacts,
        JobPlacement placement,
        CancellationToken cancellationToken)
    {
        (Job? job, string? refusal) = await JobPauseControl.ResumeAsync(queue, dispatcher, context.TenantId(), jobId, cancellationToken);
        return await ControlResultAsync(jobId, job, refusal, artifacts, placement, cancellationToken);
    }

    private static async Task<Results<Ok<JobDto>, NotFoundProblem, ConflictProblem>> ControlResultAsync(
        Guid jobId, Job? job, string? refusal, ArtifactStore artifacts, JobPlacement placement, CancellationToken cancellationToken)
    {
        if (job is null)
        {
            return NotFound(jobId);
        }
        if (refusal is not null)
        {
            return ApiProblems.Conflict(refusal);
        }
        return TypedResults.Ok(JobView.ToDto(job, await artifacts.ListAsync(job.TenantId, jobId, cancellationToken), await placement.LiveWorkersAsync(cancellationToken)));
    }

    private static async Task<Results<Ok<DeletedDto>, NotFoundProblem, ConflictProblem>> DeleteJobAsync(
        HttpContext context,
        Guid jobId,
        FineTuneDbContext db,
        CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        // One statement, so a job cannot start between the state check and the delete.
        int deleted = await db.Jobs
            .Where(job => job.Id == jobId && job.TenantId == tenantId
                && (job.State == JobState.Succeeded || job.State == JobState.Failed || job.State == JobState.Cancelled))
            .ExecuteDeleteAsync(cancellationToken);
        if (deleted > 0)
        {
            return TypedResults.Ok(new DeletedDto(jobId, "fine_tuning.job", Deleted: true));
        }
        Job? job = await db.Jobs.AsNoTracking().FirstOrDefaultAsync(job => job.Id == jobId && job.TenantId == tenantId, cancellationToken);
        return job is null
            ? NotFound(jobId)
            : ApiProblems.Conflict($"job {jobId} is {job.State.ToApiStatus()}; only a succeeded, failed or cancelled job can be deleted (cancel it first)");
    }

    internal static NotFoundProblem NotFound(Guid jobId) => ApiProblems.NotFound($"no job {jobId}");
}
