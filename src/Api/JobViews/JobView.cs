using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Api.Contracts;
using FineTune.Api.Submission;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Jobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;

namespace FineTune.Api.JobViews;

/// <summary>
/// Builds the job object clients see from the job row. Settings come from the stored spec, read with
/// <see cref="JobSpecJson.ReadStored"/> (the resolved form the API wrote at submit, so defaults show as the worker
/// will use them; a row from before that form is parsed as at submit); progress and results come
/// from the JSON the worker writes (<c>job.progress</c>, <c>job.result</c>), read by key name in snake_case,
/// camelCase or PascalCase alike: <c>step</c>, <c>total_steps</c>, <c>tokens_seen</c> (or <c>trained_tokens</c>),
/// <c>epsilon</c>, <c>hyperparameters.{learning_rate, batch_size, n_epochs}</c> (the values an <c>auto</c> resolved
/// to, which replace <c>auto</c> once the job runs); and in the result <c>steps</c>, <c>tokens_seen</c>,
/// <c>privacy.{epsilon, delta, noise_multiplier}</c>.
/// </summary>
public static class JobView
{
    /// <summary>
    /// The job object of <paramref name="job"/> with its output <paramref name="artifacts"/> and the placement
    /// warnings of <paramref name="workers"/> (<see cref="LiveWorkers.Warnings(Job)"/>).
    /// </summary>
    public static JobDto ToDto(Job job, IEnumerable<Artifact> artifacts, LiveWorkers workers)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(workers);
        // A stored spec that does not read (an old row the parser now refuses, written before a bound existed, or one
        // written around the API) still renders:
        // its settings show as null and the raw model and dataset names stay, rather than the job answering 500.
        JsonElement raw = ParseObject(job.Spec) ?? default;
        JobSpec? spec = raw.ValueKind == JsonValueKind.Object ? JobSpecJson.ReadStored(raw).Spec : null;
        JsonElement? progress = ParseObject(job.Progress);
        JsonElement? result = ParseObject(job.Result);
        long? step = Long(progress, "step") ?? Long(result, "steps");
        long? totalSteps = Long(progress, "total_steps") ?? (job.State == JobState.Succeeded ? step : null);
        if (job.State == JobState.Succeeded)
        {
            // Progress is written every few steps, so its last record may predate the final step: a succeeded job
            // ran all of its steps, whatever that record says.
            step = Long(result, "steps") ?? totalSteps ?? step;
            totalSteps = step;
        }
        return new JobDto
        {
            Id = job.Id,
            Status = job.ToApiStatus(),
            Model = spec?.Model ?? Text(raw, "model") ?? "",
            TrainingFile = spec?.TrainingFile ?? Text(raw, "training_file") ?? "",
            ValidationFile = spec?.ValidationFile ?? Text(raw, "validation_file"),
            Backend = job.Backend,
            RequiredMemoryBytes = job.RequiredMemoryBytes,
            Warnings = workers.Warnings(job),
            BackendOptions = spec?.BackendOptions,
            Hyperparameters = spec is null ? null : Hyperparameters(spec.Config, progress is { } p ? Property(p, "hyperparameters") : null),
            Suffix = spec?.Suffix,
            FineTunedModel = job.State == JobState.Succeeded && spec is not null ? FineTunedModelName(spec.Model, spec.Suffix, job.Id) : null,
            EstimatedFinish = job.State is JobState.Running or JobState.Cancelling ? EstimatedFinish(job, step, totalSteps) : null,
            Lora = spec is null ? null : new LoraDto(spec.Config.Lora.Rank, spec.Config.Lora.Alpha, spec.Config.Lora.Dropout, spec.Config.Lora.TargetModules, spec.Config.Lora.UseRsLora),
            Privacy = spec is not null && (spec.Config.Privacy is not null || spec.Config.Audit is not null) ? Privacy(spec.Config, progress, result) : null,
            Seed = spec?.Config.Seed,
            Metadata = spec?.Metadata ?? new Dictionary<string, string>(),
            Progress = step is long done ? new ProgressDto(done, totalSteps, totalSteps > 0 ? Math.Round(100.0 * done / totalSteps.Value, 2) : null) : null,
            TrainedTokens = Long(result, "tokens_seen") ?? Long(progress, "tokens_seen") ?? Long(progress, "trained_tokens"),
            Error = job.State == JobState.Failed ? Error(job.Error) : null,
            Attempt = job.Attempt,
            CreatedAt = job.CreatedAt.ToUnixTimeSeconds(),
            StartedAt = job.AttemptedAt?.ToUnixTimeSeconds(),
            FinishedAt = job.FinalizedAt?.ToUnixTimeSeconds(),
            Artifacts = artifacts.Where(artifact => artifact.Kind == ArtifactKind.Output).Select(ToDto).ToList(),
        };
    }

    /// <summary>The API view of an artifact.</summary>
    public static ArtifactDto ToDto(Artifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new ArtifactDto(artifact.Name, artifact.Kind, artifact.ContentType, artifact.SizeBytes, Convert.ToHexStringLower(artifact.Sha256), artifact.CreatedAt.ToUnixTimeSeconds());
    }

    /// <summary>
    /// The name of a succeeded job's adapter, shaped like OpenAI's fine-tuned model names:
    /// <c>ft:BASE:SUFFIX:JOBHEX</c> (the suffix part is empty when none was given).
    /// </summary>
    public static string FineTunedModelName(string baseModel, string? suffix, Guid jobId) => $"ft:{baseModel}:{suffix}:{jobId:N}";

    /// <summary>The step a succeeded job ended at (its result's <c>steps</c>, as the job object shows it); null for any other job.</summary>
    public static long? FinalStep(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.State == JobState.Succeeded ? Long(ParseObject(job.Result), "steps") : null;
    }

    // From the pace of the attempt so far (its start includes loading the model, so this errs late).
    private static long? EstimatedFinish(Job job, long? step, long? totalSteps)
    {
        if (job.AttemptedAt is not { } started || step is not > 0 || totalSteps is not long total || total < step)
        {
            return null;
        }
        DateTimeOffset now = DateTimeOffset.UtcNow;
        double secondsPerStep = Math.Max(0, (now - started).TotalSeconds) / step.Value;
        return now.AddSeconds(secondsPerStep * (total - step.Value)).ToUnixTimeSeconds();
    }

    // "auto" shows until the worker reports what it resolved to (in its progress), then the value used.
    private static HyperparametersDto Hyperparameters(TrainingConfig config, JsonElement? resolved)
    {
        double? epochs = Double(resolved, "n_epochs");
        return new HyperparametersDto(
            epochs is double e ? JsonValue.Create(e) : config.AutoEpochs ? JsonValue.Create("auto") : JsonValue.Create(config.Epochs),
            config.MaxSteps,
            Long(resolved, "batch_size") is long batch ? JsonValue.Create(batch) : config.AutoMicroBatch ? JsonValue.Create("auto") : JsonValue.Create(config.MicroBatchSize),
            Double(resolved, "learning_rate") is double rate ? JsonValue.Create(rate) : config.AutoLearningRate ? JsonValue.Create("auto") : JsonValue.Create(config.LearningRate),
            config.GradientAccumulation,
            config.MaxSeqLength,
            config.LrSchedule,
            config.WarmupRatio,
            config.WeightDecay,
            config.MaxGradNorm,
            config.EvalEvery,
            config.SaveEvery,
            config.SaveEachEpoch,
            config.Packing);
    }

    private static PrivacyDto Privacy(TrainingConfig config, JsonElement? progress, JsonElement? result)
    {
        JsonElement? report = result is { } done && Property(done, "privacy") is { ValueKind: JsonValueKind.Object } value ? value : null;
        AuditDto? audit = config.Audit is { } asked ? Audit(asked, report is { } r ? Property(r, "audit") : null) : null;
        if (config.Privacy is not { } privacy)
        {
            return new PrivacyDto(null, null, null, null, null, null, null, null, DifferentialPrivacy: false, audit);
        }
        double? delta = Double(report, "delta") ?? privacy.Delta;
        return new PrivacyDto(
            privacy.TargetEpsilon,
            delta is double d ? JsonValue.Create(d) : JsonValue.Create("auto"),
            privacy.MaxGradNorm,
            Double(report, "noise_multiplier") ?? privacy.NoiseMultiplier,
            privacy.Accountant,
            privacy.ExpectedBatchSize,
            privacy.EntityLevel ? "entity" : "record",
            Double(report, "epsilon") ?? Double(progress, "epsilon") ?? Double(progress, "epsilon_spent"),
            Audit: audit);
    }

    // The spec's canaries until the worker reports what the audit measured (result.json's privacy.audit).
    private static AuditDto Audit(AuditConfig asked, JsonElement? measured)
    {
        long? guesses = Long(measured, "guesses");
        long? correct = Long(measured, "correct");
        return new AuditDto(
            asked.Canaries,
            asked.CanaryLength,
            guesses is long k ? (int)k : null,
            correct is long c ? (int)c : null,
            Double(measured, "epsilon_lower_bound"),
            Double(measured, "confidence"));
    }

    // A worker may store a structured error ({"code", "message", "param"}) or plain text.
    private static JobErrorDto Error(string? error)
    {
        if (ParseObject(error) is { } structured && Text(structured, "message") is { } message)
        {
            return new JobErrorDto(Text(structured, "code") ?? JobErrorCodes.TrainingFailed, message, Text(structured, "param"));
        }
        string text = error ?? "the job failed without a reason";
        return new JobErrorDto(JobErrorCodes.FromReason(text), text, null);
    }

    private static JsonElement? ParseObject(string? json)
    {
        if (string.IsNullOrWhiteSpace(json) || json[0] != '{')
        {
            return null;
        }
        try
        {
            using JsonDocument document = JsonDocument.Parse(json);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static JsonElement? Property(JsonElement element, string snakeName)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            return null;
        }
        string wanted = snakeName.Replace("_", "", StringComparison.Ordinal);
        foreach (JsonProperty property in element.EnumerateObject())
        {
            if (property.Name.Replace("_", "", StringComparison.Ordinal).Equals(wanted, StringComparison.OrdinalIgnoreCase))
            {
                return property.Value;
            }
        }
        return null;
    }

    private static long? Long(JsonElement? element, string name)
    {
        return element is { } e && Property(e, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetInt64(out long number) ? number : null;
    }

    private static double? Double(JsonElement? element, string name)
    {
        // JSON holds 1e400, which reads as infinity and could not be written back out: such a figure shows as null.
        return element is { } e && Property(e, name) is { ValueKind: JsonValueKind.Number } value && value.TryGetDouble(out double number) && double.IsFinite(number)
            ? number
            : null;
    }

    private static string? Text(JsonElement element, string name)
    {
        return Property(element, name) is { ValueKind: JsonValueKind.String } value ? value.GetString() : null;
    }
}
