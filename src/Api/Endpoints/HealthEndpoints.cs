using Microsoft.AspNetCore.Http.HttpResults;

namespace FineTune.Api;

/// <summary><c>/healthz</c>: liveness of the process (readiness, which needs Postgres, arrives with the service).</summary>
public static class HealthEndpoints
{
    /// <summary>Maps the health routes.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth);
        return app;
    }

    private static Ok<HealthStatus> GetHealth() => TypedResults.Ok(new HealthStatus("ok"));
}

/// <summary>Body of <c>/healthz</c>.</summary>
/// <param name="Status">Always "ok" while the process serves requests.</param>
public sealed record HealthStatus(string Status);
