using System.Text.Json.Nodes;
using FineTune.Api.Contracts;
using FineTune.Api.JobViews;
using FineTune.Api.Submission;
using FineTune.Contracts.Configs;
using FineTune.Persistence.Entities;

namespace FineTune.Api.OpenAi;

/// <summary>
/// Renders a job as OpenAI's <c>fine_tuning.job</c>, from the native view (<see cref="JobView"/>) so the two surfaces
/// can never disagree: the same status, resolved hyperparameters, error and outputs.
/// </summary>
public static class OpenAiJobView
{
    /// <summary>
    /// The OpenAI view of <paramref name="job"/>; <paramref name="parametersOf"/> (a model's parameter count, null when
    /// unknown) turns the learning rate into OpenAI's multiplier of the automatic rate.
    /// </summary>
    public static OpenAiJob From(Job job, IEnumerable<Artifact> artifacts, LiveWorkers workers, Func<string, long?> parametersOf)
    {
        ArgumentNullException.ThrowIfNull(job);
        ArgumentNullException.ThrowIfNull(artifacts);
        ArgumentNullException.ThrowIfNull(parametersOf);
        List<Artifact> outputs = artifacts.Where(artifact => artifact.Kind == ArtifactKind.Output).ToList();
        JobDto native = JobView.ToDto(job, outputs, workers);
        JsonObject hyperparameters = Hyperparameters(native.Hyperparameters, parametersOf(native.Model));
        return new OpenAiJob
        {
            Id = OpenAiIds.Format(OpenAiIds.Job, job.Id),
            CreatedAt = native.CreatedAt,
            Error = native.Error is { } error ? new OpenAiJobError(error.Code, error.Message, error.Param) : null,
            FineTunedModel = native.FineTunedModel,
            FinishedAt = native.FinishedAt,
            Hyperparameters = hyperparameters,
            Model = native.Model,
            OrganizationId = Endpoints.ModelsEndpoints.OrganizationId(job.TenantId),
            ResultFiles = outputs.Select(artifact => OpenAiIds.Format(OpenAiIds.File, artifact.Id)).ToList(),
            // OpenAI's vocabulary has neither: a job whose worker is still stopping shows as running.
            Status = native.Status is "cancelling" or "pausing" ? "running" : native.Status,
            TrainedTokens = native.TrainedTokens,
            TrainingFile = FileId(native.TrainingFile),
            ValidationFile = native.ValidationFile is { } validation ? FileId(validation) : null,
            Seed = native.Seed,
            EstimatedFinish = native.EstimatedFinish,
            UserProvidedSuffix = native.Suffix,
            Metadata = native.Metadata,
            Method = new JsonObject
            {
                ["type"] = "supervised",
                ["supervised"] = new JsonObject { ["hyperparameters"] = hyperparameters.DeepClone() },
            },
            Backend = native.Backend,
            Progress = native.Progress is { } progress ? new JsonObject { ["step"] = progress.Step, ["total_steps"] = progress.TotalSteps } : null,
        };
    }

    private static JsonObject Hyperparameters(HyperparametersDto? native, long? modelParameters)
    {
        if (native is null)
        {
            return new JsonObject { ["n_epochs"] = "auto", ["batch_size"] = "auto", ["learning_rate_multiplier"] = "auto" };
        }
        JsonNode multiplier = native.LearningRate.GetValueKind() == System.Text.Json.JsonValueKind.Number && modelParameters is long parameters
            ? JsonValue.Create(Math.Round(native.LearningRate.GetValue<double>() / AutoRules.LearningRateFor(parameters), 6))
            : JsonValue.Create("auto");
        return new JsonObject
        {
            ["n_epochs"] = native.NEpochs.DeepClone(),
            ["batch_size"] = native.BatchSize.DeepClone(),
            ["learning_rate_multiplier"] = multiplier,
        };
    }

    private static string FileId(string nativeId)
    {
        return Guid.TryParse(nativeId, out Guid id) ? OpenAiIds.Format(OpenAiIds.File, id) : nativeId;
    }
}
