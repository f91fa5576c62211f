namespace FineTune.Text.Data;

/// <summary>Names of <see cref="DatasetFormat"/> values as users and the API write them.</summary>
public static class DatasetFormats
{
    /// <summary>The name that means "detect the format from the records".</summary>
    public const string Auto = "auto";

    private static readonly Dictionary<string, DatasetFormat> s_byName = new(StringComparer.OrdinalIgnoreCase)
    {
        ["messages"] = DatasetFormat.Messages,
        ["openai"] = DatasetFormat.Messages,
        ["chat"] = DatasetFormat.Messages,
        ["sharegpt"] = DatasetFormat.ShareGpt,
        ["conversations"] = DatasetFormat.ShareGpt,
        ["alpaca"] = DatasetFormat.Alpaca,
        ["prompt_completion"] = DatasetFormat.PromptCompletion,
        ["prompt-completion"] = DatasetFormat.PromptCompletion,
        ["completion"] = DatasetFormat.PromptCompletion,
        ["text"] = DatasetFormat.Text,
        ["tabular"] = DatasetFormat.Tabular,
    };

    /// <summary>The canonical names, one per format, in declaration order.</summary>
    public static IReadOnlyList<string> Names { get; } =
        [.. Enum.GetValues<DatasetFormat>().Select(ToName)];

    /// <summary>
    /// The canonical name of a format: <c>messages</c>, <c>sharegpt</c>, <c>alpaca</c>, <c>prompt_completion</c>,
    /// <c>text</c> or <c>tabular</c>.
    /// </summary>
    /// <param name="format">The format.</param>
    /// <returns>Its canonical lower-case name.</returns>
    public static string ToName(DatasetFormat format) => format switch
    {
        DatasetFormat.Messages => "messages",
        DatasetFormat.ShareGpt => "sharegpt",
        DatasetFormat.Alpaca => "alpaca",
        DatasetFormat.PromptCompletion => "prompt_completion",
        DatasetFormat.Text => "text",
        DatasetFormat.Tabular => "tabular",
        _ => throw new ArgumentOutOfRangeException(nameof(format), format, "Unknown dataset format."),
    };

    /// <summary>Looks a format up by name, case-insensitively; accepts aliases such as <c>openai</c>.</summary>
    /// <param name="name">The name.</param>
    /// <param name="format">The format when found.</param>
    /// <returns>Whether the name is known.</returns>
    public static bool TryParse(string? name, out DatasetFormat format)
    {
        return s_byName.TryGetValue(name?.Trim() ?? string.Empty, out format);
    }

    /// <summary>Parses a format name; <see cref="ArgumentException"/> lists the accepted names when it is unknown.</summary>
    /// <param name="name">The name, such as <c>alpaca</c> or <c>openai</c>.</param>
    /// <returns>The format.</returns>
    /// <exception cref="ArgumentException">The name is not a known format.</exception>
    public static DatasetFormat Parse(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        if (!TryParse(name, out DatasetFormat format))
        {
            throw new ArgumentException(
                $"Unknown dataset format '{name}'; accepted: {string.Join(", ", s_byName.Keys)}.",
                nameof(name));
        }

        return format;
    }

    /// <summary>Parses a format name where null, empty or <c>auto</c> means auto-detection.</summary>
    /// <param name="name">The name, or null.</param>
    /// <returns>The format, or null to detect it.</returns>
    /// <exception cref="ArgumentException">The name is neither <c>auto</c> nor a known format.</exception>
    public static DatasetFormat? ParseOrAuto(string? name)
    {
        return string.IsNullOrWhiteSpace(name) || string.Equals(name.Trim(), Auto, StringComparison.OrdinalIgnoreCase)
            ? null
            : Parse(name);
    }
}
