using System.Net.Sockets;
using Npgsql;

namespace FineTune.Api.Problems;

/// <summary>
/// Recognises an exception that means the database is unreachable or restarting, rather than a bug: the API answers
/// those with 503 and <c>Retry-After</c>, so clients wait and retry instead of treating the request as broken.
/// </summary>
public static class DatabaseOutage
{
    /// <summary>The seconds a client is asked to wait; a clean Postgres restart takes a few.</summary>
    public const int RetryAfterSeconds = 5;

    /// <summary>Whether <paramref name="exception"/> or one it wraps (EF Core wraps Npgsql's) is a database outage.</summary>
    public static bool Is(Exception? exception)
    {
        for (Exception? current = exception; current is not null; current = current.InnerException)
        {
            switch (current)
            {
                case PostgresException postgres:
                    // Class 08 is connection trouble; 57P01-57P03 a server shutting down or starting; 53300 no free slot.
                    return postgres.SqlState.StartsWith("08", StringComparison.Ordinal)
                        || postgres.SqlState is PostgresErrorCodes.AdminShutdown or PostgresErrorCodes.CrashShutdown
                            or PostgresErrorCodes.CannotConnectNow or PostgresErrorCodes.TooManyConnections;
                case NpgsqlException npgsql when npgsql.IsTransient:
                case SocketException:
                case TimeoutException:
                    return true;
            }
        }
        return false;
    }
}
