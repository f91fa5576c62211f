using System.Text.Json;

namespace FineTune.Text.Tokenization;

/// <summary>
/// Tolerant readers for <c>tokenizer.json</c> fields, which may be absent, <c>null</c> or of the expected kind.
/// </summary>
internal static class JsonConfig
{
    /// <summary>The property, or null when it is absent or JSON null.</summary>
    public static JsonElement? Get(this JsonElement element, string name)
    {
        if (element.ValueKind == JsonValueKind.Object && element.TryGetProperty(name, out JsonElement value)
            && value.ValueKind != JsonValueKind.Null)
        {
            return value;
        }

        return null;
    }

    /// <summary>A string property, or <paramref name="fallback"/> when absent or null.</summary>
    public static string? GetString(this JsonElement element, string name, string? fallback = null)
    {
        JsonElement? value = element.Get(name);
        return value is { ValueKind: JsonValueKind.String } ? value.Value.GetString() : fallback;
    }

    /// <summary>A boolean property, or <paramref name="fallback"/> when absent or null.</summary>
    public static bool GetBool(this JsonElement element, string name, bool fallback)
    {
        JsonElement? value = element.Get(name);
        return value?.ValueKind switch
        {
            JsonValueKind.True => true,
            JsonValueKind.False => false,
            _ => fallback,
        };
    }

    /// <summary>An integer property, or <paramref name="fallback"/> when absent or null.</summary>
    public static int GetInt(this JsonElement element, string name, int fallback)
    {
        JsonElement? value = element.Get(name);
        return value is { ValueKind: JsonValueKind.Number } ? value.Value.GetInt32() : fallback;
    }

    /// <summary>The component's <c>type</c> discriminator, or "(none)" when it has none.</summary>
    public static string TypeName(this JsonElement element) => element.GetString("type") ?? "(none)";

    /// <summary>The exception for a component type this implementation does not provide.</summary>
    public static NotSupportedException Unsupported(string component, JsonElement element, string sourcePath)
    {
        return new NotSupportedException(
            $"{component} type '{element.TypeName()}' in '{sourcePath}' is not supported.");
    }

    /// <summary>
    /// Reads a <c>{"String": ...}</c> or <c>{"Regex": ...}</c> pattern as a matcher; null for an unknown shape, which
    /// the reference treats as "match nothing".
    /// </summary>
    public static SplitRegex? ReadPattern(this JsonElement element, string sourcePath)
    {
        JsonElement? pattern = element.Get("pattern");
        if (pattern is null)
        {
            return null;
        }

        if (pattern.Value.GetString("Regex") is { } regex)
        {
            try
            {
                return SplitRegex.FromOniguruma(regex);
            }
            catch (NotSupportedException ex)
            {
                throw new NotSupportedException($"{ex.Message} (in '{sourcePath}')", ex);
            }
        }

        if (pattern.Value.GetString("String") is { } literal)
        {
            if (literal.Length == 0)
            {
                throw new NotSupportedException($"An empty string pattern in '{sourcePath}' is not supported.");
            }

            return SplitRegex.FromLiteral(literal);
        }

        return null;
    }
}
