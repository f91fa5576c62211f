using FineTune.HuggingFace;
using FineTune.Persistence;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Resilience;
using FineTune.Worker.Execution;
using FineTune.Worker.Telemetry;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace FineTune.Worker;

/// <summary>All Worker registration, in one place (eShop's shape).</summary>
public static class WorkerExtensions
{
    /// <summary>The environment variable naming the models directory when <see cref="WorkerOptions.ModelsDir"/> is unset.</summary>
    public const string ModelsDirVariable = "FINETUNE_MODELS_DIR";

    /// <summary>
    /// Registers the worker: <see cref="JobRunner"/> as a hosted service, its handler, model locator and backend
    /// catalog, and <see cref="WorkerOptions"/> from the section <c>WorkerOptions</c>; a second call does nothing.
    /// Persistence is added too unless
    /// the host already called <c>AddPersistence</c> (so <c>finetune serve</c> can host the API and a worker on one
    /// registration of the database; call <c>AddPersistence</c> first there). The host's shutdown timeout is raised to
    /// <see cref="WorkerOptions.ShutdownTimeout"/> plus a margin, so a stopping worker can checkpoint and release.
    /// </summary>
    public static IHostApplicationBuilder AddWorker(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        if (services.Any(descriptor => descriptor.ServiceType == typeof(JobRunner)))
        {
            // Registered already; a second hosted registration would start the same runner twice.
            return builder;
        }
        if (!services.Any(descriptor => descriptor.ServiceType == typeof(JobQueue)))
        {
            builder.AddPersistence();
        }
        builder.AddWorkerTelemetry();
        services.AddOptions<WorkerOptions>()
            .Bind(builder.Configuration.GetSection(nameof(WorkerOptions)))
            .PostConfigure(options =>
            {
                if (string.IsNullOrWhiteSpace(options.ModelsDir))
                {
                    // The API's model catalog resolves the same way, so both list and load the same folders.
                    string? fromEnvironment = Environment.GetEnvironmentVariable(ModelsDirVariable);
                    options.ModelsDir = string.IsNullOrWhiteSpace(fromEnvironment) ? "models" : fromEnvironment;
                }
            })
            .Validate(options => options.Slots is null or >= 1, "WorkerOptions:Slots must be at least 1");
        services.AddOptions<HostOptions>().Configure<IOptions<WorkerOptions>>((host, worker) =>
        {
            TimeSpan needed = worker.Value.ShutdownTimeout + TimeSpan.FromSeconds(15);
            if (host.ShutdownTimeout < needed)
            {
                host.ShutdownTimeout = needed;
            }
        });
        services.TryAddSingleton(BackendCatalog.Default);
        services.TryAddSingleton(provider =>
        {
            WorkerOptions options = provider.GetRequiredService<IOptions<WorkerOptions>>().Value;
            return new ModelLocator(options.ModelsDir, options.AllowHubDownloads, HubOptions.FromEnvironment());
        });
        // The worker's own queue: its writes (events, checkpoints, final transitions) ride out a database restart of up
        // to about 30 s instead of the API's 3 s, so a restart costs the running job neither an attempt nor an event.
        services.TryAddSingleton(provider => new TrainLoraHandler(
            new JobQueue(
                provider.GetRequiredService<Npgsql.NpgsqlDataSource>(),
                provider.GetRequiredService<IOptions<JobQueueOptions>>().Value,
                provider.GetRequiredService<TimeProvider>(),
                DatabaseRetry.ForWorker(provider.GetService<ILogger<DatabaseRetry>>())),
            provider.GetRequiredService<Persistence.Blobs.ArtifactStore>(),
            provider.GetRequiredService<Persistence.Blobs.DatasetStore>(),
            provider.GetRequiredService<Persistence.Notifications.NotificationListener>(),
            provider.GetRequiredService<BackendCatalog>(),
            provider.GetRequiredService<ModelLocator>(),
            provider.GetRequiredService<IOptions<WorkerOptions>>(),
            provider.GetService<ILogger<TrainLoraHandler>>(),
            provider.GetService<WorkerMetrics>()));
        services.TryAddSingleton<JobRunner>();
        services.AddHostedService(provider => provider.GetRequiredService<JobRunner>());
        return builder;
    }
}
