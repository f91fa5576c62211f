using System.Text.Json;
using FineTune.Api.Telemetry;
using FineTune.Persistence.Events;
using FineTune.Persistence.Notifications;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.DependencyInjection.Extensions;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Hubs;

/// <summary>Registers and maps the jobs hub (<c>/hubs/jobs</c>) and the notifier that feeds it.</summary>
public static class JobsHubRegistration
{
    /// <summary>The hub's route.</summary>
    public const string Path = "/hubs/jobs";

    /// <summary>
    /// Adds SignalR (with the REST API's JSON settings), <see cref="JobsHubOptions"/> (configuration section <c>JobsHubOptions</c>) and
    /// <see cref="JobEventNotifier"/> as a hosted service. Needs Persistence's services (<c>AddPersistence</c>).
    /// </summary>
    public static IHostApplicationBuilder AddJobsHub(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        IServiceCollection services = builder.Services;
        services.AddSignalR();
        // Hub payloads use the REST API's JSON settings, so an event looks the same from the hub and from
        // GET /v1/jobs/{id}/events.
        services.AddOptions<JsonHubProtocolOptions>()
            .Configure<IOptions<JsonOptions>>((hub, http) => hub.PayloadSerializerOptions = new JsonSerializerOptions(http.Value.SerializerOptions));
        services.Configure<JobsHubOptions>(builder.Configuration.GetSection(nameof(JobsHubOptions)));
        services.TryAddSingleton(TimeProvider.System);
        services.AddSingleton(provider => new JobEventNotifier(
            provider.GetRequiredService<IHubContext<JobsHub, IJobsClient>>(),
            provider.GetRequiredService<JobEventLog>(),
            provider.GetRequiredService<NotificationListener>(),
            provider.GetRequiredService<IOptions<JobsHubOptions>>(),
            provider.GetRequiredService<TimeProvider>(),
            provider.GetService<ILogger<JobEventNotifier>>(),
            provider.GetService<ApiMetrics>()));
        services.AddHostedService(provider => provider.GetRequiredService<JobEventNotifier>());
        return builder;
    }

    /// <summary>Maps <see cref="JobsHub"/> at <see cref="Path"/>; it requires an authenticated caller.</summary>
    public static IEndpointRouteBuilder MapJobsHub(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        app.MapHub<JobsHub>(Path).RequireAuthorization();
        return app;
    }
}
