using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace FineTune.Persistence.Observability;

/// <summary>
/// The log format switch of every FineTune host: <c>FINETUNE_LOG_FORMAT=json</c> (or <c>--log-format json</c> on
/// <c>finetune serve|worker</c>, which sets it) writes one JSON object per line with ASP.NET Core's JSON console
/// formatter (timestamp, level, category, message, the structured state and scopes); <c>text</c>, the default, keeps
/// the console formatter. Any other value is refused when the host is built, naming the setting.
/// </summary>
public static class LogFormat
{
    /// <summary>The configuration key (and environment variable) naming the format.</summary>
    public const string SettingName = "FINETUNE_LOG_FORMAT";

    private const string AppliedKey = "FineTune.LogFormat.Applied";

    /// <summary>Applies the configured format to <paramref name="builder"/>'s logging; a second call does nothing.</summary>
    public static IHostApplicationBuilder AddFineTuneLogFormat(this IHostApplicationBuilder builder)
    {
        ArgumentNullException.ThrowIfNull(builder);
        if (!builder.Properties.TryAdd(AppliedKey, true))
        {
            return builder;
        }
        string format = (builder.Configuration[SettingName] ?? "text").Trim().ToLowerInvariant();
        switch (format)
        {
            case "" or "text":
                break;
            case "json":
                builder.Logging.ClearProviders();
                builder.Logging.AddJsonConsole(options =>
                {
                    options.IncludeScopes = true;
                    options.UseUtcTimestamp = true;
                    options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ";
                    options.JsonWriterOptions = new System.Text.Json.JsonWriterOptions { Indented = false };
                });
                // Everything goes to stdout, one object per line, so a collector needs one stream.
                builder.Logging.Services.Configure<ConsoleLoggerOptions>(options => options.LogToStandardErrorThreshold = LogLevel.None);
                break;
            default:
                throw new InvalidOperationException($"{SettingName} must be 'text' or 'json', not '{format}'");
        }
        return builder;
    }
}
