using FineTune.Api.Contracts;
using FineTune.Api.Models;
using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.Api.Endpoints;

/// <summary><c>/v1/models</c>: the base models jobs can fine-tune.</summary>
public static class ModelsEndpoints
{
    /// <summary>Maps the model routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapModelsEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/models", ListModels)
            .WithTags("Models")
            .WithName("ListModels")
            .WithSummary("List the models workers can load")
            .WithDescription("The sub-folders of the models folder (ApiOptions:ModelsDir or FINETUNE_MODELS_DIR) with a "
                + "config.json of a supported family; parameters are counted from the safetensors headers.");
        return v1;
    }

    private static Ok<ListResponse<ModelDto>> ListModels(ModelCatalog catalog)
    {
        return TypedResults.Ok(new ListResponse<ModelDto>(catalog.List(), HasMore: false));
    }
}
