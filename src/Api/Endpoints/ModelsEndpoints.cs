using System.Text.Json;
using FineTune.Api.Auth;
using FineTune.Api.Contracts;
using FineTune.Api.JobViews;
using FineTune.Api.Models;
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
        return v1;
    }

    private static async Task<Ok<ListResponse<ModelDto>>> ListModelsAsync(HttpContext context, ModelCatalog catalog, FineTuneDbContext db, CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        var succeeded = await db.Jobs.AsNoTracking()
            .Where(job => job.TenantId == tenantId && job.State == JobState.Succeeded)
            .OrderBy(job => job.FinalizedAt).ThenBy(job => job.Id)
            .Select(job => new { job.Id, job.Spec, job.FinalizedAt })
            .ToListAsync(cancellationToken);
        List<ModelDto> models = [.. catalog.List()];
        string owner = OrganizationId(tenantId);
        foreach (var job in succeeded)
        {
            if (BaseModelAndSuffix(job.Spec) is not (string baseModel, var suffix) || catalog.Find(baseModel) is not ModelDto parent)
            {
                continue;
            }
            models.Add(parent with
            {
                Name = JobView.FineTunedModelName(baseModel, suffix, job.Id),
                Created = job.FinalizedAt?.ToUnixTimeSeconds() ?? parent.Created,
                OwnedBy = owner,
                Parent = baseModel,
            });
        }
        return TypedResults.Ok(new ListResponse<ModelDto>(models, HasMore: false));
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
