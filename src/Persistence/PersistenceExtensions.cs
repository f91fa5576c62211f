using FineTune.Persistence.Blobs;
using FineTune.Persistence.Events;
using FineTune.Persistence.Migrations;
using FineTune.Persistence.Notifications;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Resilience;
using FineTune.Persistence.Tenancy;
using FineTune.Persistence.Workers;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FineTune.Persistence;

/// <summary>All Persistence registration, in one place (eShop's shape).</summary>
public static class PersistenceExtensions
{
    /// <summary>
    /// Registers the data source, <see cref="FineTuneDbContext"/>, the queue, stores and background services.
    /// Hosted services start in registration order: migration first, then the listener and the rescuer.
    /// </summary>
    public static IHostApplicationBuilder AddPersistence(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        IConfigurationSection section = builder.Configuration.GetSection(nameof(PersistenceOptions));
        PersistenceOptions options = section.Get<PersistenceOptions>() ?? new PersistenceOptions();
        services.Configure<PersistenceOptions>(section);
        services.Configure<JobQueueOptions>(builder.Configuration.GetSection(nameof(JobQueueOptions)));
        services.TryAddSingleton(TimeProvider.System);

        string? connectionString = string.IsNullOrWhiteSpace(options.ConnectionString)
            ? builder.Configuration.GetConnectionString("FineTune")
            : options.ConnectionString;
        services.AddSingleton(_ => FineTuneDataSource.Create(connectionString
            ?? throw new InvalidOperationException("no database configured: set ConnectionStrings:FineTune or PersistenceOptions:ConnectionString")));
        services.AddDbContext<FineTuneDbContext>((provider, dbOptions) =>
            FineTuneDbContext.UseFineTune(dbOptions, provider.GetRequiredService<NpgsqlDataSource>()));

        services.AddSingleton(provider => new DatabaseRetry(logger: provider.GetService<ILogger<DatabaseRetry>>()));
        services.AddSingleton(provider => new DatabaseMigrator(
            provider.GetRequiredService<NpgsqlDataSource>(), provider.GetService<ILogger<DatabaseMigrator>>()));
        services.AddSingleton(provider => new JobQueue(
            provider.GetRequiredService<NpgsqlDataSource>(),
            provider.GetRequiredService<IOptions<JobQueueOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<DatabaseRetry>()));
        services.AddSingleton(provider => new JobRescuer(
            provider.GetRequiredService<NpgsqlDataSource>(),
            provider.GetRequiredService<IOptions<JobQueueOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<DatabaseRetry>(),
            logger: provider.GetService<ILogger<JobRescuer>>()));
        services.AddSingleton(provider => new NotificationListener(
            provider.GetRequiredService<NpgsqlDataSource>(), provider.GetService<ILogger<NotificationListener>>()));
        services.AddSingleton(provider => new JobEventLog(
            provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<DatabaseRetry>()));
        services.AddSingleton(provider => new DatasetStore(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(provider => new ArtifactStore(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddSingleton(provider => new WorkerRegistry(provider.GetRequiredService<NpgsqlDataSource>()));
        services.AddScoped(provider => new TenantStore(
            provider.GetRequiredService<FineTuneDbContext>(), provider.GetRequiredService<TimeProvider>()));

        if (options.MigrateOnStart)
        {
            services.AddHostedService(provider => new DatabaseMigrationService(provider.GetRequiredService<DatabaseMigrator>()));
        }
        if (options.Listen)
        {
            services.AddHostedService(provider => provider.GetRequiredService<NotificationListener>());
        }
        if (options.RunRescuer)
        {
            services.AddHostedService(provider => provider.GetRequiredService<JobRescuer>());
        }
        return builder;
    }
}
