using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FineTune.Cli;

/// <summary>The JSON shape every <c>--json</c> output uses: snake_case names, indented, nulls kept.</summary>
internal static class CliJson
{
    public static readonly JsonSerializerOptions Options = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        WriteIndented = true,
        // Output goes to terminals and files, never into HTML, so '+' and non-ASCII stay readable.
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        // An empty DP batch has no loss; it prints as "NaN" instead of failing or being faked.
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) },
    };

    /// <summary>The same shape on one line, for outputs that are mostly long arrays (token ids).</summary>
    public static readonly JsonSerializerOptions Compact = new(Options) { WriteIndented = false };
}
