using System.Globalization;
using FineTune.Api.Auth;
using FineTune.Api.Contracts;
using FineTune.Api.Datasets;
using FineTune.Api.Models;
using FineTune.Api.Problems;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Text.Chat;
using FineTune.Text.Tokenization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Endpoints;

/// <summary><c>GET /v1/datasets/{id}/preview</c>: the first examples as the trainer will see them with a model.</summary>
public static class DatasetPreviewEndpoints
{
    private const int DefaultLimit = 5;
    private const int MaxLimit = 50;

    /// <summary>Maps the preview route under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapDatasetPreviewEndpoints(this IEndpointRouteBuilder v1)
    {
        v1.MapGet("/datasets/{datasetId:guid}/preview", PreviewAsync)
            .WithTags("Datasets")
            .WithName("PreviewDataset")
            .WithSummary("Preview a dataset as the trainer sees it")
            .WithDescription("Renders the first `limit` examples (default 5, at most 50) through `model`'s chat template "
                + "(its own family, else alpaca; or `chat_template`) and tokenizer, cut into loss-masked prompt and trained "
                + "runs (`all_tokens=true` trains the prompt too, as the job option does), with token counts over the "
                + "first 20,000 examples.");
        return v1;
    }

    private static async Task<Results<Ok<DatasetPreviewDto>, ValidationProblem, NotFoundProblem, UnprocessableProblem>> PreviewAsync(
        HttpContext context,
        Guid datasetId,
        [FromQuery] string? model,
        [FromQuery] string? limit,
        [FromQuery(Name = "chat_template")] string? chatTemplate,
        [FromQuery(Name = "all_tokens")] string? allTokens,
        DatasetStore store,
        ModelCatalog models,
        DatasetPreviewer previewer,
        IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        if (string.IsNullOrWhiteSpace(model))
        {
            return ApiProblems.BadRequest("model", "is required: the model whose tokenizer and chat template render the examples (GET /v1/models lists them)");
        }
        int take = DefaultLimit;
        if (limit is not null && (!int.TryParse(limit, NumberStyles.None, CultureInfo.InvariantCulture, out take) || take < 1 || take > MaxLimit))
        {
            return ApiProblems.BadRequest("limit", $"must be a whole number from 1 to {MaxLimit}");
        }
        bool trainAll = false;
        if (allTokens is not null && !bool.TryParse(allTokens, out trainAll))
        {
            return ApiProblems.BadRequest("all_tokens", "must be true or false");
        }
        if (chatTemplate is not null && !ChatTemplates.Names.Contains(chatTemplate, StringComparer.OrdinalIgnoreCase))
        {
            return ApiProblems.BadRequest("chat_template", $"unknown chat template '{chatTemplate}'; known: {string.Join(", ", ChatTemplates.Names)}");
        }

        Dataset? dataset = await store.GetAsync(context.TenantId(), datasetId, cancellationToken);
        if (dataset is null)
        {
            return ApiProblems.NotFound($"no dataset {datasetId}");
        }
        if (models.Find(model) is null)
        {
            return ApiProblems.Invalid("model", $"no model '{model}'; GET /v1/models lists them");
        }

        Tokenizer tokenizer;
        ChatTemplate template;
        try
        {
            tokenizer = previewer.TokenizerOf(Path.Combine(options.Value.ResolveModelsDir(), model));
        }
        catch (FileNotFoundException)
        {
            return ApiProblems.Invalid("model", $"model '{model}' has no tokenizer.json, so its examples cannot be rendered");
        }
        try
        {
            template = ChatTemplates.ForTokenizerOrAlpaca(tokenizer, chatTemplate);
        }
        catch (InvalidOperationException exception)
        {
            return ApiProblems.Invalid("chat_template", exception.Message);
        }
        try
        {
            return TypedResults.Ok(await previewer.PreviewAsync(dataset, model, tokenizer, template, take, trainAll, cancellationToken));
        }
        catch (InvalidOperationException exception)
        {
            // The template needs a special token this tokenizer lacks: only found when the first example is rendered.
            return ApiProblems.Invalid("chat_template", exception.Message);
        }
    }
}
