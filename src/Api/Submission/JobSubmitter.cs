using System.Security.Cryptography;
using System.Text.Json;
using FineTune.Api.Contracts;
using FineTune.Api.Models;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Jobs;
using FineTune.Contracts.Models;
using FineTune.Persistence;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace FineTune.Api.Submission;

/// <summary>
/// Validates and enqueues a job spec (<c>POST /v1/jobs</c>). The spec is checked by <see cref="JobSpecParser"/>, so the
/// API refuses what the worker could not run; then its references are
/// checked against the caller's tenant (datasets) and the model catalog. The spec is parsed only here: the job stores
/// its resolved form (<see cref="JobSpecJson"/>, every default explicit, <c>auto</c> kept for the worker's device),
/// which the worker and the views read back without parsing again, with the memory it needs
/// (<see cref="MemoryEstimate"/>) as its <c>required_memory_bytes</c>; under
/// <see cref="ApiOptions.StrictPlacement"/> a job no live worker could claim is refused. With an Idempotency-Key, the
/// key row is inserted in the job's own transaction, so a key exists exactly when its job does, and two racing
/// requests with one key produce one job; a replay is matched on the hash of the client's JSON, not the stored form.
/// </summary>
/// <param name="db">The request's EF context (the job and its key share its transaction).</param>
/// <param name="queue">The job queue.</param>
/// <param name="datasets">Dataset lookups, scoped by tenant.</param>
/// <param name="models">The model catalog.</param>
/// <param name="placement">The live workers, and whether placement is strict.</param>
/// <param name="dispatcher">Hands the committed job to Hangfire.</param>
public sealed class JobSubmitter(FineTuneDbContext db, JobQueue queue, DatasetStore datasets, ModelCatalog models, JobPlacement placement, JobDispatcher dispatcher)
{
    /// <summary>The job kind of a fine-tuning job (stable; never renamed).</summary>
    public const string TrainLoraKind = JobKinds.TrainLora;

    /// <summary>The longest Idempotency-Key accepted (the <c>job_idempotency_key_length</c> CHECK).</summary>
    public const int MaxIdempotencyKeyLength = 255;

    /// <summary>Validates <paramref name="spec"/> and enqueues it for <paramref name="tenantId"/>.</summary>
    public async Task<JobSubmission> SubmitAsync(Guid tenantId, JsonElement spec, string? idempotencyKey, CancellationToken cancellationToken)
    {
        spec = WithDatasetIds(spec);
        // Hashing the re-serialized element ignores whitespace, so a client that re-indents its retry still matches.
        byte[] requestSha256 = SHA256.HashData(JsonSerializer.SerializeToUtf8Bytes(spec));
        if (idempotencyKey is not null && await FindKeyAsync(tenantId, idempotencyKey, cancellationToken) is { } existing)
        {
            return await ReplayAsync(existing, requestSha256, cancellationToken);
        }
        (JobSpec? parsed, IReadOnlyList<JobSpecError> parseErrors) = JobSpecParser.Parse(spec);
        (ModelDto Model, ModelConfig Config)? found = parsed is null ? null : models.FindWithConfig(parsed.Model);
        if (parseErrors.Count > 0 || parsed is null || found is null
            || !TryGetDatasetId(spec, "training_file", out Guid? trainingFile) || !TryGetDatasetId(spec, "validation_file", out Guid? validationFile))
        {
            // Every field's error in one answer: the spec's, the model's, and whether the datasets are the caller's.
            return await InvalidAsync(tenantId, spec, parseErrors.Select(error => (error.Field.Length == 0 ? "body" : error.Field, error.Message)), cancellationToken);
        }
        (ModelDto model, ModelConfig modelConfig) = found.Value;
        if (parsed.Config.MaxSeqLength > modelConfig.MaxPositionEmbeddings && SetsMaxSeqLength(spec))
        {
            // Positions past the model's table were never trained: a length asked for beyond it is refused. The
            // default is not, since it was no one's choice (sequences are only as long as the data anyway).
            return await InvalidAsync(tenantId, spec, [("hyperparameters.max_seq_len", $"must be at most {modelConfig.MaxPositionEmbeddings}, the max_position_embeddings of '{parsed.Model}'")], cancellationToken);
        }
        long requiredMemoryBytes = MemoryEstimate.ForJob(modelConfig, model.Parameters, parsed.Backend, parsed.BackendOptions, parsed.Config).TotalBytes;
        LiveWorkers workers = await placement.RecentLiveWorkersAsync(cancellationToken);
        if (placement.Strict && workers.Warnings(parsed.Backend, requiredMemoryBytes) is [var warning, ..])
        {
            return await InvalidAsync(tenantId, spec, [("backend", warning)], cancellationToken);
        }
        var newJob = new NewJob(tenantId, TrainLoraKind, JobSpecJson.Write(parsed), parsed.Backend)
        {
            DatasetId = trainingFile,
            ValidationDatasetId = validationFile,
            RequiredMemoryBytes = requiredMemoryBytes,
        };
        JobSubmission submission;
        try
        {
            // The insert itself checks that the datasets are the caller's (no separate look-up before it).
            submission = idempotencyKey is null
                ? new JobSubmission(JobSubmissionOutcome.Created, await queue.EnqueueAsync(newJob, cancellationToken), null)
                : await EnqueueWithKeyAsync(newJob, idempotencyKey, requestSha256, cancellationToken);
        }
        catch (JobDatasetNotFoundException)
        {
            // Nothing was inserted; the look-up names the dataset that is not the caller's.
            return await InvalidAsync(tenantId, spec, [], cancellationToken);
        }
        if (submission is { Outcome: JobSubmissionOutcome.Created, Job: { } created })
        {
            // Committed: hand it to Hangfire now (in the background, so the request does not wait for it); the
            // dispatcher's sweep covers a process that dies before it does (docs/queue.md).
            dispatcher.Notify(created.Id);
        }
        return submission with { Workers = workers };
    }

    // A refusal naming every field at fault: the given errors plus the model and datasets the spec names that the
    // caller cannot use (looked up only here, on the way to a 422; an accepted job's insert checks its datasets).
    private async Task<JobSubmission> InvalidAsync(Guid tenantId, JsonElement spec, IEnumerable<(string Field, string Message)> known, CancellationToken cancellationToken)
    {
        var errors = new Dictionary<string, List<string>>(StringComparer.Ordinal);
        foreach ((string field, string message) in known)
        {
            Add(errors, field, message);
        }
        await CheckReferencesAsync(tenantId, spec, errors, cancellationToken);
        if (errors.Count == 0)
        {
            // A race: the model folder or a dataset was missing a moment ago and is there now.
            Add(errors, "body", "the model or a dataset this job names changed while it was submitted; submit it again");
        }
        return new JobSubmission(JobSubmissionOutcome.Invalid, null, errors.ToDictionary(pair => pair.Key, pair => pair.Value.ToArray()));
    }

    private async Task<JobSubmission> EnqueueWithKeyAsync(NewJob newJob, string idempotencyKey, byte[] requestSha256, CancellationToken cancellationToken)
    {
        await using (IDbContextTransaction transaction = await db.Database.BeginTransactionAsync(cancellationToken))
        {
            Job job = await queue.EnqueueAsync(db, newJob, cancellationToken);
            db.JobIdempotencyKeys.Add(new JobIdempotencyKey
            {
                TenantId = newJob.TenantId,
                IdempotencyKey = idempotencyKey,
                RequestSha256 = requestSha256,
                JobId = job.Id,
            });
            try
            {
                await db.SaveChangesAsync(cancellationToken);
                await transaction.CommitAsync(cancellationToken);
                return new JobSubmission(JobSubmissionOutcome.Created, job, null);
            }
            catch (DbUpdateException exception) when (exception.InnerException is PostgresException { SqlState: PostgresErrorCodes.UniqueViolation })
            {
                // A concurrent request with the same key committed first (our insert waited for it): roll back our
                // job and answer as a replay of theirs.
                await transaction.RollbackAsync(cancellationToken);
                db.ChangeTracker.Clear();
            }
        }
        JobIdempotencyKey winner = await FindKeyAsync(newJob.TenantId, idempotencyKey, cancellationToken)
            ?? throw new InvalidOperationException("an idempotency key that just conflicted is missing");
        return await ReplayAsync(winner, requestSha256, cancellationToken);
    }

    private async Task<JobSubmission> ReplayAsync(JobIdempotencyKey key, byte[] requestSha256, CancellationToken cancellationToken)
    {
        if (!key.RequestSha256.AsSpan().SequenceEqual(requestSha256))
        {
            return new JobSubmission(JobSubmissionOutcome.KeyReused, null, null);
        }
        Job job = await queue.GetAsync(key.TenantId, key.JobId, cancellationToken)
            ?? throw new InvalidOperationException($"idempotency key names job {key.JobId}, which is gone");
        return new JobSubmission(JobSubmissionOutcome.Replayed, job, null);
    }

    private Task<JobIdempotencyKey?> FindKeyAsync(Guid tenantId, string idempotencyKey, CancellationToken cancellationToken)
    {
        return db.JobIdempotencyKeys.AsNoTracking()
            .SingleOrDefaultAsync(key => key.TenantId == tenantId && key.IdempotencyKey == idempotencyKey, cancellationToken);
    }

    // The parser checks shapes; these checks need the tenant: datasets must be the caller's, the model must exist.
    private async Task CheckReferencesAsync(Guid tenantId, JsonElement spec, Dictionary<string, List<string>> errors, CancellationToken cancellationToken)
    {
        if (spec.ValueKind != JsonValueKind.Object)
        {
            return;
        }
        if (TryGetString(spec, "model", out string? model) && models.Find(model) is null)
        {
            Add(errors, "model", $"no model '{model}'; GET /v1/models lists the models workers can load");
        }
        if (TryGetString(spec, "training_file", out string? training) && await FindDatasetAsync(tenantId, training, cancellationToken) is null)
        {
            Add(errors, "training_file", $"no dataset '{training}'; upload one with POST /v1/datasets");
        }
        if (TryGetString(spec, "validation_file", out string? validation) && await FindDatasetAsync(tenantId, validation, cancellationToken) is null)
        {
            Add(errors, "validation_file", $"no dataset '{validation}'; upload one with POST /v1/datasets");
        }
    }

    // The dataset ID a parsed spec names in field (null when it names none); false when it is not a UUID, which no
    // dataset can match.
    private static bool TryGetDatasetId(JsonElement spec, string field, out Guid? datasetId)
    {
        datasetId = null;
        if (!TryGetString(spec, field, out string? value))
        {
            return true;
        }
        if (!Guid.TryParse(value, out Guid parsed))
        {
            return false;
        }
        datasetId = parsed;
        return true;
    }

    private async Task<Guid?> FindDatasetAsync(Guid tenantId, string id, CancellationToken cancellationToken)
    {
        return Guid.TryParse(id, out Guid datasetId) && await datasets.GetAsync(tenantId, datasetId, cancellationToken) is not null
            ? datasetId
            : null;
    }

    // training_file and validation_file may be OpenAI's file ids (file-<hex>): stored as the dataset UUID the worker reads.
    private static JsonElement WithDatasetIds(JsonElement spec)
    {
        if (spec.ValueKind != JsonValueKind.Object)
        {
            return spec;
        }
        System.Text.Json.Nodes.JsonObject? copy = null;
        foreach (string field in (string[])["training_file", "validation_file"])
        {
            if (TryGetString(spec, field, out string? value) && value.StartsWith(OpenAi.OpenAiIds.File, StringComparison.Ordinal)
                && OpenAi.OpenAiIds.TryParse(value, OpenAi.OpenAiIds.File, out Guid id))
            {
                copy ??= System.Text.Json.Nodes.JsonNode.Parse(spec.GetRawText())!.AsObject();
                copy[field] = id.ToString();
            }
        }
        return copy is null ? spec : JsonSerializer.SerializeToElement(copy);
    }

    private static bool SetsMaxSeqLength(JsonElement spec)
    {
        return spec.TryGetProperty("hyperparameters", out JsonElement hyperparameters)
            && hyperparameters.ValueKind == JsonValueKind.Object
            && hyperparameters.TryGetProperty("max_seq_len", out _);
    }

    private static bool TryGetString(JsonElement spec, string name, [System.Diagnostics.CodeAnalysis.NotNullWhen(true)] out string? value)
    {
        value = null;
        try
        {
            value = spec.TryGetProperty(name, out JsonElement element) && element.ValueKind == JsonValueKind.String ? element.GetString() : null;
        }
        catch (InvalidOperationException)
        {
            // A lone surrogate escape: the parser has already named the field.
        }
        return !string.IsNullOrEmpty(value);
    }

    private static void Add(Dictionary<string, List<string>> errors, string field, string message)
    {
        if (!errors.TryGetValue(field, out List<string>? messages))
        {
            errors[field] = messages = [];
        }
        messages.Add(message);
    }
}
