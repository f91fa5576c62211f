using FineTune.Persistence.Observability;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using OpenTelemetry;

namespace FineTune.Worker.Telemetry;

/// <summary>
/// Metrics, traces and the log format of the worker (docs/operations.md). The worker's meter joins the host's
/// OpenTelemetry metrics (in <c>finetune serve</c>, the API's Prometheus <c>/metrics</c>); spans and metrics go to an
/// OTLP collector when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public static class WorkerTelemetry
{
    private const string OtlpEndpointSetting = "OTEL_EXPORTER_OTLP_ENDPOINT";

    // Shared with the API's telemetry by value: the OTLP exporter may be registered once per host.
    private const string OtlpRegisteredKey = "FineTune.Telemetry.Otlp";

    /// <summary>Registers the log format switch, <see cref="WorkerMetrics"/>, and OTLP export when configured.</summary>
    public static IHostApplicationBuilder AddWorkerTelemetry(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        builder.AddFineTuneLogFormat();
        builder.Services.AddSingleton<WorkerMetrics>();
        OpenTelemetryBuilder telemetry = builder.Services.AddOpenTelemetry()
            .WithMetrics(metrics => metrics.AddMeter(WorkerMetrics.MeterName));
        if (!string.IsNullOrWhiteSpace(builder.Configuration[OtlpEndpointSetting]))
        {
            telemetry.WithTracing(tracing => tracing.AddSource(JobTrace.SourceName));
            if (builder.Properties.TryAdd(OtlpRegisteredKey, true))
            {
                telemetry.UseOtlpExporter();
            }
        }
        return builder;
    }
}
