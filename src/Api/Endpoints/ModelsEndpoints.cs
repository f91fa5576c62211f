using System.Text.Json;
using FineTune.Api.Auth;
using FineTune.Api.Contracts;
using FineTune.Api.JobViews;
using FineTune.Api.Models;
using FineTune.Api.OpenAi;
using FineTune.Persistence;
using FineTune.Persistence.Queue;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace FineTune.Api.Endpoints;

/// <summary>
/// <c>/v1/models</c>: the base models jobs can fine-tune, then the caller's fine-tuned models (the adapters of its
/// succeeded jobs), as OpenAI's <c>GET /v1/models</c> lists a user's <c>ft:</c> models beside the base ones.
/// </summary>
public static class ModelsEndpoints
{
    /// <summary>Maps the model routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapModelsEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/models", ListModelsAsync)
            .WithTags("Models")
            .WithName("ListModels")
            .WithSummary("List the base models workers can load and your fine-tuned models")
            .WithDescription("The sub-folders of the models folder (ApiOptions:ModelsDir or FINETUNE_MODELS_DIR) with a "
                + "config.json of a supported family; parameters are counted from the safetensors headers. Then the "
                + "adapters of the caller's succeeded jobs, oldest first: id is the job's fine_tuned_model, owned_by the "
                + "tenant's organization id (org-...), created when the job finished, parent the base model, whose "
                + "family, parameters, context length and vocabulary they share. An adapter whose base model is no longer "
                + "in the models folder is not listed: nothing could load it. Another tenant's are never listed.");
        v1.MapGet("/models/{model}", GetModelAsync)
            .WithTags("Models", "OpenAI-compatible")
            .WithName("GetModel")
            .WithSummary("Get a base model or one of your fine-tuned models (OpenAI's models.retrieve)")
            .WithDescription("The entry GET /v1/models lists for this id: a base model's folder name, or a fine-tuned "
                + "model's ft:BASE:SUFFIX:JOBHEX name. Errors use OpenAI's shape; an unknown id, or another tenant's "
                + "fine-tuned model, is 404 not_found.")
            .Produces<ModelDto>();
        v1.MapDelete("/models/{model}", DeleteModelAsync)
            .WithTags("Models", "OpenAI-compatible")
            .WithName("DeleteModel")
            .WithSummary("Delete one of your fine-tuned models (OpenAI's models.delete)")
            .WithDescription("Deletes the adapter's files (adapter_model.safetensors, adapter_config.json); the model is then "
                + "neither listed nor retrievable. The job stays, with its events, log, result and checkpoints, as on OpenAI. "
                + "A base model is 403 (the operator's); an unknown, already deleted or another tenant's model is 404.")
            .Produces<OpenAiDeleted>();
        return v1;
    }

    /// <summary>The files of a job's output that make up its fine-tuned model (the worker's upload names them so).</summary>
    internal static readonly string[] AdapterFiles = ["adapter_model.safetensors", "adapter_config.json"];

    private static async Task<IResult> DeleteModelAsync(HttpContext context, string model, ModelCatalog catalog, FineTuneDbContext db, CancellationToken cancellationToken)
    {
        if (catalog.Find(model) is not null)
        {
            return new OpenAiError(StatusCodes.Status403Forbidden, $"'{model}' is a base model, which the operator provides; only your fine-tuned models (ft:…) can be deleted", "model", "permission_denied");
        }
        Guid tenantId = context.TenantId();
        if (await FindFineTunedAsync(model, tenantId, catalog, db, cancellationToken) is not (Guid jobId, _))
        {
            return NotFound(model);
        }
        // One transaction: the model stops being listed exactly when its files go. The update re-checks the state, so a
        // concurrent delete (or job delete) makes this one a 404 rather than a second success.
        await using var transaction = await db.Database.BeginTransactionAsync(cancellationToken);
        int marked = await db.Jobs
            .Where(job => job.Id == jobId && job.TenantId == tenantId && job.State == JobState.Succeeded && job.ModelDeletedAt == null)
            .ExecuteUpdateAsync(set => set.SetProperty(job => job.ModelDeletedAt, DateTimeOffset.UtcNow), cancellationToken);
        if (marked == 0)
        {
            return NotFound(model);
        }
        await db.Artifacts
            .Where(artifact => artifact.JobId == jobId && artifact.TenantId == tenantId && AdapterFiles.Contains(artifact.Name))
            .ExecuteDeleteAsync(cancellationToken);
        await transaction.CommitAsync(cancellationToken);
        return TypedResults.Ok(new OpenAiDeleted(model, "model", Deleted: true));
    }

    private static OpenAiError NotFound(string model) =>
        OpenAiError.NotFound($"no model '{model}'; GET /v1/models lists the base models workers can load and your fine-tuned models", "model");

    // The caller's succeeded job whose fine-tuned model is named model, and that model; null for any other name. The name
    // ends in the job's id; it must also name the same adapter (base and suffix), so an edited name is not resolved to
    // another model.
    private static async Task<(Guid JobId, ModelDto Model)?> FindFineTunedAsync(string model, Guid tenantId, ModelCatalog catalog, FineTuneDbContext db, CancellationToken cancellationToken)
    {
        int last = model.LastIndexOf(':');
        if (!model.StartsWith("ft:", StringComparison.Ordinal) || last <= 0 || !Guid.TryParseExact(model[(last + 1)..], "N", out Guid jobId))
        {
            return null;
        }
        var job = await db.Jobs.AsNoTracking()
            .Where(entry => entry.Id == jobId && entry.TenantId == tenantId && entry.State == JobState.Succeeded && entry.ModelDeletedAt == null)
            .Select(entry => new { entry.Id, entry.Spec, entry.FinalizedAt })
            .SingleOrDefaultAsync(cancellationToken);
        return job is not null && FineTunedModel(catalog, job.Spec, job.Id, job.FinalizedAt, OrganizationId(tenantId)) is ModelDto fineTuned && fineTuned.Name == model
            ? (job.Id, fineTuned)
            : null;
    }

    private static async Task<IResult> GetModelAsync(HttpContext context, string model, ModelCatalog catalog, FineTuneDbContext db, CancellationToken cancellationToken)
    {
        if (catalog.Find(model) is ModelDto baseModel)
        {
            return TypedResults.Ok(baseModel);
        }
        return await FindFineTunedAsync(model, context.TenantId(), catalog, db, cancellationToken) is (_, ModelDto fineTuned)
            ? TypedResults.Ok(fineTuned)
            : NotFound(model);
    }

    private static async Task<Ok<ListResponse<ModelDto>>> ListModelsAsync(HttpContext context, ModelCatalog catalog, FineTuneDbContext db, CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        var succeeded = await db.Jobs.AsNoTracking()
            .Where(job => job.TenantId == tenantId && job.State == JobState.Succeeded && job.ModelDeletedAt == null)
            .OrderBy(job => job.FinalizedAt).ThenBy(job => job.Id)
            .Select(job => new { job.Id, job.Spec, job.FinalizedAt })
            .ToListAsync(cancellationToken);
        List<ModelDto> models = [.. catalog.List()];
        string owner = OrganizationId(tenantId);
        foreach (var job in succeeded)
        {
            if (FineTunedModel(catalog, job.Spec, job.Id, job.FinalizedAt, owner) is ModelDto fineTuned)
            {
                models.Add(fineTuned);
            }
        }
        return TypedResults.Ok(new ListResponse<ModelDto>(models, HasMore: false));
    }

    // A succeeded job's adapter as a model: its base model's entry under the adapter's name, or null when the base
    // model is no longer in the models folder (nothing could load the adapter).
    private static ModelDto? FineTunedModel(ModelCatalog catalog, string spec, Guid jobId, DateTimeOffset? finishedAt, string owner)
    {
        if (BaseModelAndSuffix(spec) is not (string baseModel, var suffix) || catalog.Find(baseModel) is not ModelDto parent)
        {
            return null;
        }
        return parent with
        {
            Name = JobView.FineTunedModelName(baseModel, suffix, jobId),
            Created = finishedAt?.ToUnixTimeSeconds() ?? parent.Created,
            OwnedBy = owner,
            Parent = baseModel,
        };
    }

    /// <summary>A tenant as OpenAI's API names an organization: <c>org-</c> and the tenant id in hex.</summary>
    public static string OrganizationId(Guid tenantId) => "org-" + tenantId.ToString("N");

    // The stored spec is the validated one, so its model and suffix are the ones the job view names the adapter by.
    private static (string Model, string? Suffix)? BaseModelAndSuffix(string spec)
    {
        using JsonDocument document = JsonDocument.Parse(spec);
        JsonElement root = document.RootElement;
        if (root.ValueKind != JsonValueKind.Object || !root.TryGetProperty("model", out JsonElement model) || model.ValueKind != JsonValueKind.String)
        {
            return null;
        }
        string? suffix = root.TryGetProperty("suffix", out JsonElement value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
        return (model.GetString()!, suffix);
    }
}
