using System.CommandLine;
using FineTune.Persistence.Observability;
using Microsoft.Extensions.Configuration;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>--log-format text|json</c> of <c>serve</c> and <c>worker</c>: the command-line form of
/// <c>FINETUNE_LOG_FORMAT</c> (<see cref="LogFormat"/>), which it overrides.
/// </summary>
internal static class LogFormatOption
{
    public static Option<string?> Create()
    {
        var option = new Option<string?>("--log-format") { Description = "Log lines as text (default) or json, one object per line (also FINETUNE_LOG_FORMAT)" };
        option.AcceptOnlyFromAmong("text", "json");
        return option;
    }

    public static void Apply(string? format, IConfigurationManager configuration)
    {
        if (format is not null)
        {
            configuration.AddInMemoryCollection(new Dictionary<string, string?> { [LogFormat.SettingName] = format });
        }
    }
}
