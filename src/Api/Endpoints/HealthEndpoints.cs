using System.Net.Sockets;
using FineTune.Api.Contracts;
using FineTune.Persistence.Migrations;
using Microsoft.AspNetCore.Http.HttpResults;
using Npgsql;

namespace FineTune.Api.Endpoints;

/// <summary>
/// <c>/healthz</c> (the process serves requests) and <c>/readyz</c> (the database answers, every migration is
/// applied and the host's start-up work is done, <see cref="StartupGate"/>). Both are anonymous, for orchestrators.
/// </summary>
public static class HealthEndpoints
{
    /// <summary>Maps the health routes.</summary>
    public static IEndpointRouteBuilder MapHealthEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapGet("/healthz", GetHealth).WithTags("Health").WithName("Healthz").WithSummary("Liveness: the process serves requests");
        app.MapGet("/readyz", GetReadinessAsync)
            .WithTags("Health")
            .WithName("Readyz")
            .WithSummary("Readiness: the database is reachable and migrated")
            .ProducesProblem(StatusCodes.Status503ServiceUnavailable);
        return app;
    }

    private static Ok<HealthStatus> GetHealth() => TypedResults.Ok(new HealthStatus("ok"));

    private static async Task<Results<Ok<ReadinessStatus>, ProblemHttpResult>> GetReadinessAsync(DatabaseMigrator migrator, StartupGate gate, CancellationToken cancellationToken)
    {
        int[] pending;
        try
        {
            IReadOnlyList<int> applied = await migrator.GetAppliedVersionsAsync(cancellationToken);
            pending = MigrationScript.All.Select(script => script.Version).Except(applied).ToArray();
        }
        catch (Exception exception) when (exception is NpgsqlException or SocketException or TimeoutException)
        {
            return NotReady(new ReadinessStatus("not_ready", Database: false, []), "the database is unreachable");
        }
        if (gate.Pending is { } startup)
        {
            return NotReady(new ReadinessStatus("not_ready", Database: true, pending), $"starting: {startup}");
        }
        return pending.Length == 0
            ? TypedResults.Ok(new ReadinessStatus("ready", Database: true, []))
            : NotReady(new ReadinessStatus("not_ready", Database: true, pending), $"{pending.Length} migrations are not applied");
    }

    private static ProblemHttpResult NotReady(ReadinessStatus status, string detail)
    {
        return TypedResults.Problem(
            statusCode: StatusCodes.Status503ServiceUnavailable,
            title: "Not Ready",
            detail: detail,
            extensions: new Dictionary<string, object?>
            {
                ["database"] = status.Database,
                ["pending_migrations"] = status.PendingMigrations,
            });
    }
}
