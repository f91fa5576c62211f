using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTune.Api.OpenAi;

/// <summary>
/// An error as OpenAI's API writes it, <c>{"error": {"message", "type", "param", "code"}}</c>, so the official SDKs
/// surface the message (problem+json has no <c>error</c> key, and the SDKs then show only the status). Used on the
/// OpenAI-compatible routes only; the native routes keep problem+json.
/// </summary>
public sealed class OpenAiError : IResult, IStatusCodeHttpResult, IContentTypeHttpResult
{
    private static readonly JsonSerializerOptions s_json = new() { DefaultIgnoreCondition = JsonIgnoreCondition.Never };

    /// <summary>Creates an error with HTTP <paramref name="statusCode"/>.</summary>
    public OpenAiError(int statusCode, string message, string? param = null, string? code = null)
    {
        StatusCode = statusCode;
        Message = message;
        Param = param;
        Code = code;
    }

    /// <summary>The HTTP status.</summary>
    public int StatusCode { get; }

    int? IStatusCodeHttpResult.StatusCode => StatusCode;

    string IContentTypeHttpResult.ContentType => "application/json";

    /// <summary>What went wrong, for humans (the SDKs show it).</summary>
    public string Message { get; }

    /// <summary>The request field at fault, dotted (<c>method.type</c>), or null.</summary>
    public string? Param { get; }

    /// <summary>A stable code, e.g. <c>not_found</c>, <c>invalid_value</c>, <c>unsupported_method</c>.</summary>
    public string? Code { get; }

    /// <summary>OpenAI's error type for the status: invalid_request_error, authentication_error, ...</summary>
    public string Type => TypeFor(StatusCode);

    /// <summary>400: the request is malformed or asks for something unsupported.</summary>
    public static OpenAiError BadRequest(string message, string? param = null, string code = "invalid_request") => new(StatusCodes.Status400BadRequest, message, param, code);

    /// <summary>404: the caller's tenant has no such resource.</summary>
    public static OpenAiError NotFound(string message, string? param = null) => new(StatusCodes.Status404NotFound, message, param, "not_found");

    /// <summary>409: the resource's state does not allow it.</summary>
    public static OpenAiError Conflict(string message) => new(StatusCodes.Status409Conflict, message, null, "conflict");

    /// <summary>The OpenAI error type of an HTTP status.</summary>
    public static string TypeFor(int statusCode) => statusCode switch
    {
        StatusCodes.Status401Unauthorized => "authentication_error",
        StatusCodes.Status403Forbidden => "permission_error",
        StatusCodes.Status404NotFound => "invalid_request_error",
        StatusCodes.Status429TooManyRequests => "rate_limit_error",
        >= 500 => "server_error",
        _ => "invalid_request_error",
    };

    /// <summary>The JSON body.</summary>
    public object Body => new Dictionary<string, object?>
    {
        ["error"] = new Dictionary<string, object?> { ["message"] = Message, ["type"] = Type, ["param"] = Param, ["code"] = Code },
    };

    /// <inheritdoc />
    public async Task ExecuteAsync(HttpContext httpContext)
    {
        ArgumentNullException.ThrowIfNull(httpContext);
        httpContext.Response.StatusCode = StatusCode;
        httpContext.Response.ContentType = "application/json";
        await JsonSerializer.SerializeAsync(httpContext.Response.Body, Body, s_json, httpContext.RequestAborted);
    }
}
