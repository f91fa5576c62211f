using System.Globalization;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc;

namespace FineTune.Api.Problems;

/// <summary>
/// Gives every problem the framework writes itself a <c>detail</c> a user can act on: a 404 for a path no route
/// matches (an unknown route, or an id that is not a UUID), a 405, and a 400 for a query or route value that does not
/// bind (<c>?after=abc</c>), which also names the parameter in <c>errors</c> as the API's own 400s do. Problems the
/// handlers write already have a detail and are left alone. Messages never carry .NET type names.
/// </summary>
public static partial class ProblemDefaults
{
    /// <summary>
    /// Registers problem details with <see cref="Fill"/>, and makes minimal APIs throw on a value they cannot bind
    /// (otherwise they answer a bare 400 and the parameter's name is lost before a problem is written).
    /// </summary>
    public static IServiceCollection AddApiProblemDetails(this IServiceCollection services)
    {
        services.AddProblemDetails(options => options.CustomizeProblemDetails = Fill);
        services.Configure<RouteHandlerOptions>(options => options.ThrowOnBadRequest = true);
        return services;
    }

    /// <summary>Fills in the detail (and for a binding failure the <c>errors</c>) of a problem that has none.</summary>
    public static void Fill(ProblemDetailsContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        ProblemDetails problem = context.ProblemDetails;
        if (DatabaseOutage.Is(context.Exception))
        {
            context.HttpContext.Response.Headers.RetryAfter = DatabaseOutage.RetryAfterSeconds.ToString(CultureInfo.InvariantCulture);
            problem.Title = "Service Unavailable";
            problem.Detail = $"the database is unreachable or restarting; retry after {DatabaseOutage.RetryAfterSeconds} s";
            return;
        }
        if (!string.IsNullOrEmpty(problem.Detail))
        {
            return;
        }
        HttpRequest request = context.HttpContext.Request;
        string route = $"{request.Method} {request.Path}";
        if (context.Exception is BadHttpRequestException badRequest)
        {
            FillBadRequest(problem, badRequest);
            return;
        }
        if ((problem.Status ?? context.HttpContext.Response.StatusCode) == StatusCodes.Status415UnsupportedMediaType)
        {
            string message = $"must be application/json, not '{request.ContentType}'";
            problem.Detail = $"Content-Type: {message}";
            problem.Extensions["errors"] = new Dictionary<string, string[]> { ["Content-Type"] = [message] };
            return;
        }
        problem.Detail = (problem.Status ?? context.HttpContext.Response.StatusCode) switch
        {
            StatusCodes.Status404NotFound => $"no route matches {route}: ids in paths are UUIDs or their OpenAI forms (ftjob-…, file-…), and /swagger lists every route",
            StatusCodes.Status405MethodNotAllowed => $"{request.Method} is not allowed on {request.Path}; /swagger lists each route's methods",
            StatusCodes.Status500InternalServerError => "an unexpected error; the server's log has the details",
            _ => problem.Title,
        };
    }

    private static void FillBadRequest(ProblemDetails problem, BadHttpRequestException exception)
    {
        (string? parameter, string message) = Describe(exception.Message);
        if (parameter is null)
        {
            problem.Detail = message;
            return;
        }
        problem.Detail = $"{parameter}: {message}";
        problem.Extensions["errors"] = new Dictionary<string, string[]> { [parameter] = [message] };
    }

    // The framework's wording, which puts the parameter's .NET type before its name: rewrite it as "name: what is
    // expected", and pass any other message (body too large, unexpected end of body) through.
    private static (string? Parameter, string Message) Describe(string message)
    {
        if (BindFailure().Match(message) is { Success: true } bind)
        {
            return (bind.Groups["name"].Value, $"'{bind.Groups["value"].Value}' is not {Expected(bind.Groups["type"].Value)}");
        }
        if (Missing().Match(message) is { Success: true } missing)
        {
            return (missing.Groups["name"].Value, "is required");
        }
        if (UnsupportedMediaType().Match(message) is { Success: true } media)
        {
            return ("Content-Type", $"must be application/json, not '{media.Groups["type"].Value}'");
        }
        if (ReadFailure().Match(message) is { Success: true } read)
        {
            return (read.Groups["name"].Value, "the request body could not be read as JSON");
        }
        return (null, message);
    }

    private static string Expected(string type)
    {
        return type switch
        {
            _ when type.Contains("Guid", StringComparison.OrdinalIgnoreCase) => "a UUID",
            _ when type.Contains("Int", StringComparison.OrdinalIgnoreCase) || type.Contains("long", StringComparison.Ordinal) => "a whole number",
            _ when type.Contains("Bool", StringComparison.OrdinalIgnoreCase) => "true or false",
            _ when type.Contains("Double", StringComparison.OrdinalIgnoreCase) || type.Contains("Decimal", StringComparison.OrdinalIgnoreCase) => "a number",
            _ => "a valid value",
        };
    }

    [GeneratedRegex("^Failed to bind parameter \"(?<type>.+) (?<name>[^ \"]+)\" from \"(?<value>.*)\"\\.?$", RegexOptions.Singleline)]
    private static partial Regex BindFailure();

    [GeneratedRegex("^Required parameter \"(?<type>.+) (?<name>[^ \"]+)\" was not provided", RegexOptions.Singleline)]
    private static partial Regex Missing();

    [GeneratedRegex("^Expected a supported JSON media type but got \"(?<type>.*)\"", RegexOptions.Singleline)]
    private static partial Regex UnsupportedMediaType();

    [GeneratedRegex("^Failed to read parameter \"(?<type>.+) (?<name>[^ \"]+)\"", RegexOptions.Singleline)]
    private static partial Regex ReadFailure();
}
