using System.Text;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Diagnostics;
using Microsoft.EntityFrameworkCore.Metadata;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FineTune.Persistence;

/// <summary>
/// EF Core view of the FineTune schema, for domain reads and writes (tenants, keys, listings). The schema itself is
/// owned by the hand-written migrations in <c>Migrations/*.sql</c>, and queue transitions go through
/// <see cref="JobQueue"/>; this context never creates or alters tables.
/// </summary>
/// <param name="options">Options built with <see cref="UseFineTune"/>.</param>
public sealed class FineTuneDbContext(DbContextOptions<FineTuneDbContext> options) : DbContext(options)
{
    /// <summary>Tenants.</summary>
    public DbSet<Tenant> Tenants => Set<Tenant>();

    /// <summary>API keys (hashes only).</summary>
    public DbSet<ApiKey> ApiKeys => Set<ApiKey>();

    /// <summary>Dataset metadata.</summary>
    public DbSet<Dataset> Datasets => Set<Dataset>();

    /// <summary>Dataset content; prefer <see cref="Blobs.DatasetStore"/>, which streams.</summary>
    public DbSet<DatasetChunk> DatasetChunks => Set<DatasetChunk>();

    /// <summary>Jobs; read freely, change queue columns only through <see cref="JobQueue"/>.</summary>
    public DbSet<Job> Jobs => Set<Job>();

    /// <summary>Idempotency keys of job submissions (one per tenant and key).</summary>
    public DbSet<JobIdempotencyKey> JobIdempotencyKeys => Set<JobIdempotencyKey>();

    /// <summary>Job event logs.</summary>
    public DbSet<JobEvent> JobEvents => Set<JobEvent>();

    /// <summary>Resume points of jobs.</summary>
    public DbSet<Checkpoint> Checkpoints => Set<Checkpoint>();

    /// <summary>Artifact metadata.</summary>
    public DbSet<Artifact> Artifacts => Set<Artifact>();

    /// <summary>Artifact content; prefer <see cref="Blobs.ArtifactStore"/>, which streams.</summary>
    public DbSet<ArtifactChunk> ArtifactChunks => Set<ArtifactChunk>();

    /// <summary>Registered workers.</summary>
    public DbSet<WorkerRegistration> Workers => Set<WorkerRegistration>();

    /// <summary>Configures <paramref name="builder"/> for this context over a data source from
    /// <see cref="FineTuneDataSource.Create"/>.</summary>
    public static DbContextOptionsBuilder UseFineTune(DbContextOptionsBuilder builder, NpgsqlDataSource dataSource)
    {
        ArgumentNullException.ThrowIfNull(builder);
        // EF Core logs every command's SQL at Information, which buried everything else (~10k lines in 20 minutes of
        // light use): commands are Debug here, so an operator raises Microsoft.EntityFrameworkCore to Debug to see them.
        return builder
            .UseNpgsql(dataSource, npgsql => npgsql.MapEnum<JobState>(FineTuneDataSource.JobStateTypeName))
            .ConfigureWarnings(warnings => warnings.Log((RelationalEventId.CommandExecuted, LogLevel.Debug)));
    }

    /// <summary>Creates a context over <paramref name="dataSource"/> without dependency injection (CLI, tests).</summary>
    public static FineTuneDbContext Create(NpgsqlDataSource dataSource)
    {
        var builder = new DbContextOptionsBuilder<FineTuneDbContext>();
        UseFineTune(builder, dataSource);
        return new FineTuneDbContext(builder.Options);
    }

    /// <inheritdoc />
    protected override void OnModelCreating(ModelBuilder modelBuilder)
    {
        ArgumentNullException.ThrowIfNull(modelBuilder);
        modelBuilder.ApplyConfigurationsFromAssembly(typeof(FineTuneDbContext).Assembly);
        // The SQL schema is snake_case throughout; deriving column names here keeps the configurations to the
        // decisions that are not mechanical (keys, JSON columns, defaults).
        foreach (IMutableEntityType entity in modelBuilder.Model.GetEntityTypes())
        {
            foreach (IMutableProperty property in entity.GetProperties())
            {
                property.SetColumnName(ToSnakeCase(property.Name));
            }
        }
    }

    private static string ToSnakeCase(string name)
    {
        var builder = new StringBuilder(name.Length + 8);
        for (int i = 0; i < name.Length; i++)
        {
            char c = name[i];
            if (char.IsUpper(c))
            {
                if (i > 0)
                {
                    builder.Append('_');
                }
                builder.Append(char.ToLowerInvariant(c));
            }
            else
            {
                builder.Append(c);
            }
        }
        return builder.ToString();
    }
}
