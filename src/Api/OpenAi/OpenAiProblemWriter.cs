using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.OpenAi;

/// <summary>
/// Writes the problems the framework raises itself (401 from authentication, 404 for an unknown route, 400 for a
/// value that does not bind, 500) in OpenAI's error shape on the OpenAI-compatible routes (<c>/v1/files</c>,
/// <c>/v1/fine_tuning</c>, <c>/v1/models/{id}</c>) and on the paths of OpenAI's other APIs, which FineTune does not
/// serve (<c>/v1/chat/completions</c>, ...): an SDK user who calls them gets a message saying so rather than a bare
/// 404. Everywhere else the default writer keeps problem+json. Registered before <c>AddProblemDetails</c>, so it is
/// asked first.
/// </summary>
public sealed class OpenAiProblemWriter : IProblemDetailsWriter
{
    // OpenAI's API families besides fine-tuning, files and models: inference and the rest. FineTune trains adapters;
    // something else (vLLM, PEFT) serves them.
    private static readonly string[] s_unservedFamilies =
    [
        "/v1/chat", "/v1/completions", "/v1/responses", "/v1/embeddings", "/v1/moderations", "/v1/images", "/v1/audio",
        "/v1/batches", "/v1/uploads", "/v1/assistants", "/v1/threads", "/v1/vector_stores", "/v1/evals", "/v1/realtime",
        "/v1/conversations", "/v1/containers",
    ];

    /// <summary>Whether <paramref name="path"/> belongs to the OpenAI-compatible surface or to OpenAI's other APIs.</summary>
    public static bool IsOpenAiRoute(PathString path)
    {
        return path.StartsWithSegments("/v1/files", StringComparison.OrdinalIgnoreCase)
            || path.StartsWithSegments("/v1/fine_tuning", StringComparison.OrdinalIgnoreCase)
            || (path.StartsWithSegments("/v1/models", StringComparison.OrdinalIgnoreCase, out PathString model) && model.HasValue && model != "/")
            || IsUnservedOpenAiApi(path);
    }

    /// <summary>Whether <paramref name="path"/> is one of OpenAI's APIs that FineTune does not serve (inference and the rest).</summary>
    public static bool IsUnservedOpenAiApi(PathString path) =>
        s_unservedFamilies.Any(family => path.StartsWithSegments(family, StringComparison.OrdinalIgnoreCase));

    /// <inheritdoc />
    public bool CanWrite(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        return IsOpenAiRoute(context.HttpContext.Request.Path);
    }

    /// <inheritdoc />
    public ValueTask WriteAsync(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        // The default writer applies the customization; this one must too, for the detail of a bodiless status.
        FineTune.Api.Problems.ProblemDefaults.Fill(context);
        ProblemDetails problem = context.ProblemDetails;
        int status = problem.Status ?? context.HttpContext.Response.StatusCode;
        string? param = problem.Extensions.TryGetValue("errors", out object? errors) && errors is IDictionary<string, string[]> map && map.Count > 0
            ? map.Keys.First()
            : null;
        string message = problem.Detail ?? problem.Title ?? "the request failed";
        HttpRequest request = context.HttpContext.Request;
        bool unserved = status is StatusCodes.Status404NotFound or StatusCodes.Status405MethodNotAllowed && IsUnservedOpenAiApi(request.Path);
        if (unserved)
        {
            message = $"FineTune serves OpenAI's fine-tuning API (files, fine_tuning.jobs, models), not {request.Method} {request.Path}: "
                + "it trains LoRA adapters and does not run inference. Download a job's adapter (GET /v1/jobs/{id}/artifacts) "
                + "and serve it with vLLM or Hugging Face PEFT, or try it with `finetune generate --model BASE --adapter DIR`";
        }
        string code = status switch
        {
            _ when unserved => "unknown_url",
            StatusCodes.Status401Unauthorized => "invalid_api_key",
            StatusCodes.Status404NotFound => "not_found",
            StatusCodes.Status405MethodNotAllowed => "method_not_allowed",
            >= 500 => "server_error",
            _ => "invalid_request",
        };
        return new ValueTask(new OpenAiError(status, message, param, code).ExecuteAsync(context.HttpContext));
    }
}
