using FineTune.Persistence.Blobs;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Events;
using FineTune.Persistence.Migrations;
using FineTune.Persistence.Notifications;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Resilience;
using FineTune.Persistence.Tenancy;
using FineTune.Persistence.Workers;
using Hangfire;
using Hangfire.Common;
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
    /// Hosted services start in registration order: migration first, then the dispatcher and the listener.
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
        // Pooled: the options are built once instead of per request (building them was ~3% of a submit's CPU in
        // bench service's profile), and a returned context is reset before its next use.
        services.AddDbContextPool<FineTuneDbContext>((provider, dbOptions) =>
            FineTuneDbContext.UseFineTune(dbOptions, provider.GetRequiredService<NpgsqlDataSource>()));

        services.AddSingleton(provider => new DatabaseRetry(logger: provider.GetService<ILogger<DatabaseRetry>>()));
        services.AddSingleton(provider => new DatabaseMigrator(
            provider.GetRequiredService<NpgsqlDataSource>(), provider.GetService<ILogger<DatabaseMigrator>>()));
        services.AddSingleton(provider => new JobQueue(
            provider.GetRequiredService<NpgsqlDataSource>(),
            provider.GetRequiredService<IOptions<JobQueueOptions>>().Value,
            provider.GetRequiredService<TimeProvider>(),
            provider.GetRequiredService<DatabaseRetry>()));
        AddHangfire(builder);
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
        if ((builder.Configuration.GetSection(nameof(HangfireOptions)).Get<HangfireOptions>() ?? new HangfireOptions()).Dispatch)
        {
            // After the migration: the first sweep hands over jobs queued before this version (docs/queue.md).
            services.AddHostedService(provider => new JobDispatchService(
                provider.GetRequiredService<JobDispatcher>(),
                provider.GetRequiredService<IOptions<HangfireOptions>>().Value,
                provider.GetService<ILogger<JobDispatchService>>()));
        }
        if (options.Listen)
        {
            services.AddHostedService(provider => provider.GetRequiredService<NotificationListener>());
        }
        return builder;
    }

    /// <summary>
    /// Hangfire on the same database (schema <c>hangfire</c>): its storage, FineTune's job filters (retry with our
    /// backoff), a client, and the dispatcher that hands committed jobs to it. Servers are the worker's (<c>AddWorker</c>).
    /// </summary>
    private static void AddHangfire(IHostApplicationBuilder builder)
    {
        IServiceCollection services = builder.Services;
        IConfigurationSection section = builder.Configuration.GetSection(nameof(HangfireOptions));
        services.Configure<HangfireOptions>(section);
        services.AddSingleton<JobStorage>(provider => HangfireSetup.CreateStorage(
            provider.GetRequiredService<NpgsqlDataSource>(), provider.GetRequiredService<IOptions<HangfireOptions>>().Value));
        services.AddSingleton(provider =>
        {
            JobQueueOptions queue = provider.GetRequiredService<IOptions<JobQueueOptions>>().Value;
            return HangfireSetup.CreateFilters(new RetryPolicy(queue.RetryBaseDelay, queue.RetryMaxDelay));
        });
        services.AddSingleton(provider => new JobDispatcher(
            provider.GetRequiredService<NpgsqlDataSource>(),
            provider.GetRequiredService<JobStorage>(),
            provider.GetRequiredService<IJobFilterProvider>(),
            provider.GetService<ILogger<JobDispatcher>>()));
        // One client per host, with our filters: the dispatcher's (whoever resolves a Hangfire client gets that one).
        services.AddSingleton(provider => provider.GetRequiredService<JobDispatcher>().Hangfire);
    }
}
