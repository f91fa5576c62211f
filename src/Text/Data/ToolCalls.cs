using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// Normalizes tool calls and tool definitions to compact JSON. A call becomes <c>{"id"?, "name", "arguments"}</c>
/// whether it came as OpenAI's <c>{"id", "type", "function": {"name", "arguments": "&lt;json&gt;"}}</c> or as a
/// ShareGPT <c>function_call</c> value <c>{"name", "arguments": {...}}</c>.
/// </summary>
internal static class ToolCalls
{
    /// <summary>OpenAI <c>tool_calls</c>: an array of call objects.</summary>
    public static string? FromArray(JsonElement calls, string path, RecordContext context)
    {
        if (calls.ValueKind != JsonValueKind.Array || calls.GetArrayLength() == 0)
        {
            context.Fail(path, $"field '{path}' must be a non-empty array of tool calls, found {Describe(calls)}");
            return null;
        }

        bool ok = true;
        int index = 0;
        foreach (JsonElement call in calls.EnumerateArray())
        {
            ok &= CheckCall(call, $"{path}[{index}]", context);
            index++;
        }

        return ok ? Normalize(calls) : null;
    }

    /// <summary>A ShareGPT <c>function_call</c> value: JSON text of one call object or an array of them.</summary>
    public static string? FromJsonText(string text, string path, RecordContext context)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(text, JsonFields.DocumentOptions);
        }
        catch (JsonException exception)
        {
            context.Fail(path, $"field '{path}' is a function call, but its value is not JSON: {JsonErrors.Describe(exception)}");
            return null;
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind == JsonValueKind.Object)
            {
                return CheckCall(root, path, context) ? WriteCalls([root]) : null;
            }

            return FromArray(root, path, context);
        }
    }

    /// <summary>The record-level <c>tools</c> field: an array, or JSON text of an array (as in glaive's ShareGPT data).</summary>
    public static string? ToolsField(JsonElement record, RecordContext context)
    {
        if (!record.TryGetProperty("tools", out JsonElement tools) || tools.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (tools.ValueKind == JsonValueKind.String)
        {
            string text = tools.GetString()!;
            if (string.IsNullOrWhiteSpace(text))
            {
                return null;
            }

            try
            {
                using var document = JsonDocument.Parse(text, JsonFields.DocumentOptions);
                return ToolsArray(document.RootElement, context);
            }
            catch (JsonException exception)
            {
                context.Fail("tools", $"field 'tools' is a string but not JSON: {JsonErrors.Describe(exception)}");
                return null;
            }
        }

        return ToolsArray(tools, context);
    }

    private static string? ToolsArray(JsonElement tools, RecordContext context)
    {
        if (tools.ValueKind != JsonValueKind.Array)
        {
            context.Fail("tools", $"field 'tools' must be an array of tool definitions, found {Describe(tools)}");
            return null;
        }

        return tools.GetArrayLength() == 0 ? null : JsonFields.ToCompactJson(tools);
    }

    private static bool CheckCall(JsonElement call, string path, RecordContext context)
    {
        if (call.ValueKind != JsonValueKind.Object)
        {
            context.Fail(path, $"tool call '{path}' must be an object, found {Describe(call)}");
            return false;
        }

        JsonElement function = Function(call);
        if (!function.TryGetProperty("name", out JsonElement name)
            || name.ValueKind != JsonValueKind.String
            || string.IsNullOrWhiteSpace(name.GetString()))
        {
            context.Fail(path, $"tool call '{path}' has no function name");
            return false;
        }

        return true;
    }

    private static string Normalize(JsonElement calls) => WriteCalls([.. calls.EnumerateArray()]);

    private static string WriteCalls(IReadOnlyList<JsonElement> calls) => JsonFields.WriteCompact(writer =>
    {
        writer.WriteStartArray();
        foreach (JsonElement call in calls)
        {
            JsonElement function = Function(call);
            writer.WriteStartObject();
            if (call.TryGetProperty("id", out JsonElement id) && id.ValueKind == JsonValueKind.String)
            {
                writer.WriteString("id", id.GetString());
            }

            writer.WriteString("name", function.GetProperty("name").GetString());
            writer.WritePropertyName("arguments");
            WriteArguments(writer, function);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
    });

    // OpenAI sends arguments as a JSON-encoded string; expanding it gives templates one shape to render.
    private static void WriteArguments(Utf8JsonWriter writer, JsonElement function)
    {
        if (!function.TryGetProperty("arguments", out JsonElement arguments) || arguments.ValueKind == JsonValueKind.Null)
        {
            writer.WriteStartObject();
            writer.WriteEndObject();
            return;
        }

        if (arguments.ValueKind == JsonValueKind.String)
        {
            try
            {
                using var document = JsonDocument.Parse(arguments.GetString()!, JsonFields.DocumentOptions);
                document.RootElement.WriteTo(writer);
                return;
            }
            catch (JsonException)
            {
                // Not JSON: the model was trained to emit this exact string, so keep it verbatim.
            }
        }

        arguments.WriteTo(writer);
    }

    private static JsonElement Function(JsonElement call) =>
        call.TryGetProperty("function", out JsonElement function) && function.ValueKind == JsonValueKind.Object
            ? function
            : call;

    private static string Describe(JsonElement element) =>
        element.ValueKind == JsonValueKind.Array ? "an empty array" : JsonFields.KindName(element.ValueKind);
}
