using System.Buffers;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>Typed access to record fields that reports each problem against the record, and compact re-serialization.</summary>
internal static class JsonFields
{
    // The text is training data, not HTML: escaping '<' or non-ASCII letters would teach the model escape codes.
    private static readonly JsonWriterOptions s_compact = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        Indented = false,
    };

    /// <summary>Parser settings for records: a duplicated key is an error, since one of its values would be lost.</summary>
    public static JsonDocumentOptions DocumentOptions { get; } = new() { AllowDuplicateProperties = false };

    public static string KindName(JsonValueKind kind) => kind switch
    {
        JsonValueKind.Object => "an object",
        JsonValueKind.Array => "an array",
        JsonValueKind.String => "a string",
        JsonValueKind.Number => "a number",
        JsonValueKind.True or JsonValueKind.False => "a boolean",
        JsonValueKind.Null => "null",
        _ => "nothing",
    };

    /// <summary>A string field that must be present; empty (or whitespace) is an error unless allowed.</summary>
    public static string? RequiredString(
        JsonElement owner, string name, string path, RecordContext context, bool allowEmpty = false)
    {
        if (!owner.TryGetProperty(name, out JsonElement value))
        {
            context.Fail(path, $"missing required field '{path}'");
            return null;
        }

        return RequireStringValue(value, path, context, allowEmpty);
    }

    public static string? RequireStringValue(JsonElement value, string path, RecordContext context, bool allowEmpty)
    {
        if (value.ValueKind != JsonValueKind.String)
        {
            context.Fail(path, $"field '{path}' must be a string, found {KindName(value.ValueKind)}");
            return null;
        }

        string text = value.GetString()!;
        if (!allowEmpty && string.IsNullOrWhiteSpace(text))
        {
            context.Fail(path, $"field '{path}' is empty");
            return null;
        }

        return text;
    }

    /// <summary>A string field that may be absent or null (both give null); any other type is an error.</summary>
    public static string? OptionalString(JsonElement owner, string name, string path, RecordContext context)
    {
        if (!owner.TryGetProperty(name, out JsonElement value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return RequireStringValue(value, path, context, allowEmpty: true);
    }

    /// <summary>
    /// The text of a scalar used as a key (group_by, order_by): strings as they are, numbers as written, so
    /// <c>7</c> and <c>"7"</c> name the same entity.
    /// </summary>
    public static string? ScalarKey(JsonElement owner, string name, string role, RecordContext context)
    {
        if (!owner.TryGetProperty(name, out JsonElement value))
        {
            context.Fail(name, $"missing {role} field '{name}'");
            return null;
        }

        switch (value.ValueKind)
        {
            case JsonValueKind.String:
                return value.GetString();
            case JsonValueKind.Number:
                return value.GetRawText();
            case JsonValueKind.True:
                return "true";
            case JsonValueKind.False:
                return "false";
            default:
                context.Fail(name, $"{role} field '{name}' must be a string or a number, found {KindName(value.ValueKind)}");
                return null;
        }
    }

    /// <summary>Whether every property of the object is a string, number, boolean or null.</summary>
    public static bool IsFlat(JsonElement record, out string? nestedField)
    {
        foreach (JsonProperty property in record.EnumerateObject())
        {
            if (property.Value.ValueKind is JsonValueKind.Object or JsonValueKind.Array)
            {
                nestedField = property.Name;
                return false;
            }
        }

        nestedField = null;
        return true;
    }

    /// <summary>The element as one line of compact JSON, keys in source order and numbers exactly as written.</summary>
    public static string ToCompactJson(JsonElement element)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_compact))
        {
            element.WriteTo(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    /// <summary>Writes JSON with the same compact, unescaped settings as <see cref="ToCompactJson"/>.</summary>
    public static string WriteCompact(Action<Utf8JsonWriter> write)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_compact))
        {
            write(writer);
        }

        return Encoding.UTF8.GetString(buffer.WrittenSpan);
    }
}
