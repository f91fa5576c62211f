using FineTune.Persistence.Queue;
using Npgsql;

namespace FineTune.Persistence;

/// <summary>
/// Builds the one <see cref="NpgsqlDataSource"/> (connection pool plus type mappings) shared by EF Core and the
/// hand-written queue SQL, so both see the <c>job_state</c> enum the same way.
/// </summary>
public static class FineTuneDataSource
{
    /// <summary>The Postgres enum type behind <see cref="JobState"/>.</summary>
    public const string JobStateTypeName = "job_state";

    /// <summary>Creates a data source for <paramref name="connectionString"/> with FineTune's type mappings.</summary>
    /// <param name="connectionString">An Npgsql connection string, e.g. from <c>scripts/postgres.sh url</c>.</param>
    public static NpgsqlDataSource Create(string connectionString)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(connectionString);
        var builder = new NpgsqlDataSourceBuilder(connectionString);
        builder.MapEnum<JobState>(JobStateTypeName);
        return builder.Build();
    }
}
