using FineTune.Api.Auth;
using FineTune.Persistence.Observability;
using OpenTelemetry;
using OpenTelemetry.Metrics;

namespace FineTune.Api.Telemetry;

/// <summary>
/// Metrics, traces and the log format of the API host (docs/operations.md). Prometheus scrapes <c>/metrics</c> with
/// an admin key; traces and metrics also go to an OTLP collector when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class ApiTelemetry
{
    /// <summary>The scrape path.</summary>
    public const string MetricsPath = "/metrics";

    /// <summary>The standard OpenTelemetry variable; OTLP export is on exactly when it is set.</summary>
    public const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // The OTLP exporter may be registered once per host; serve adds both the API's and the worker's telemetry.
    internal const string OtlpRegisteredKey = "FineTune.Telemetry.Otlp";

    /// <summary>
    /// Registers the log format switch, the API's instruments, ASP.NET Core's HTTP and Kestrel meters, the
    /// Prometheus exporter, and OTLP export of traces (job spans and HTTP requests) and metrics when configured.
    /// </summary>
    public static IHostApplicationBuilder AddApiTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddFineTuneLogFormat();
        builder.Services.AddSingleton<JobCountsSnapshot>();
        builder.Services.AddSingleton<ApiMetrics>();
        OpenTelemetryBuilder telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics
                .AddMeter(ApiMetrics.MeterName, "Microsoft.AspNetCore.Hosting", "Microsoft.AspNetCore.Server.Kestrel", "Microsoft.AspNetCore.Http.Connections")
                .AddPrometheusExporter());
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
        {
            // Spans are only worth recording when they go somewhere; without a collector no listener is registered
            // and JobTrace.Start returns null at no cost.
            telemetry.WithTracing(tracing => tracing.AddSource(JobTrace.SourceName, "Microsoft.AspNetCore"));
            if (builder.Properties.TryAdd(OtlpRegisteredKey, true))
            {
                telemetry.UseOtlpExporter();
            }
        }
        return builder;
    }

    /// <summary>
    /// Maps <c>/metrics</c> (Prometheus text format) for admin keys only: it shows every tenant's job counts, so a
    /// tenant key gets 403 and no key 401. The gauges are created here, once the app is built.
    /// </summary>
    public static WebApplication MapMetrics(this WebApplication app)
    {
        ArgumentNullException.ThrowIfNull(app);
        _ = app.Services.GetRequiredService<ApiMetrics>();
        app.MapPrometheusScrapingEndpoint(MetricsPath).RequireAuthorization(ApiKeyAuthentication.AdminPolicy);
        return app;
    }
}
