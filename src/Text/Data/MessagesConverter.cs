using System.Text;
using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// OpenAI chat records: <c>{"messages": [{"role", "content", "name"?, "tool_calls"?, "tool_call_id"?}], "tools"?}</c>.
/// </summary>
internal static class MessagesConverter
{
    private const string KnownRoles = "system, developer, user, assistant, tool, function";

    public static TrainingExample? Convert(JsonElement record, RecordContext context)
    {
        if (!record.TryGetProperty("messages", out JsonElement list))
        {
            context.Fail("messages", "missing required field 'messages'");
            return null;
        }

        List<ChatMessage>? messages = ParseList(list, "messages", context);
        string? tools = ToolCalls.ToolsField(record, context);
        if (messages is null || context.Failed || !RequireAssistant(messages, "messages", context))
        {
            return null;
        }

        return new TrainingExample
        {
            Format = DatasetFormat.Messages,
            Messages = messages,
            Tools = tools,
        };
    }

    /// <summary>A non-empty array of OpenAI message objects; null (with errors reported) when any is bad.</summary>
    public static List<ChatMessage>? ParseList(JsonElement list, string path, RecordContext context)
    {
        if (list.ValueKind != JsonValueKind.Array)
        {
            context.Fail(path, $"field '{path}' must be an array of messages, found {JsonFields.KindName(list.ValueKind)}");
            return null;
        }

        if (list.GetArrayLength() == 0)
        {
            context.Fail(path, $"field '{path}' is empty");
            return null;
        }

        var messages = new List<ChatMessage>(list.GetArrayLength());
        int index = 0;
        foreach (JsonElement element in list.EnumerateArray())
        {
            if (ParseMessage(element, $"{path}[{index}]", context) is { } message)
            {
                messages.Add(message);
            }

            index++;
        }

        return messages.Count == list.GetArrayLength() ? messages : null;
    }

    /// <summary>Reports a conversation with no assistant turn: it would train on nothing.</summary>
    public static bool RequireAssistant(IReadOnlyList<ChatMessage> messages, string path, RecordContext context)
    {
        if (messages.Any(message => message.Role == ChatRole.Assistant))
        {
            return true;
        }

        context.Fail(path, $"the conversation in '{path}' has no assistant turn, so there is nothing to train on");
        return false;
    }

    private static ChatMessage? ParseMessage(JsonElement element, string path, RecordContext context)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            context.Fail(path, $"message '{path}' must be an object, found {JsonFields.KindName(element.ValueKind)}");
            return null;
        }

        string? roleName = JsonFields.RequiredString(element, "role", $"{path}.role", context);
        if (roleName is null)
        {
            return null;
        }

        ChatRole? role = roleName switch
        {
            "system" or "developer" => ChatRole.System,
            "user" => ChatRole.User,
            "assistant" => ChatRole.Assistant,
            "tool" or "function" => ChatRole.Tool,
            _ => null,
        };
        if (role is not { } known)
        {
            context.Fail($"{path}.role", $"unknown role '{roleName}' in '{path}.role'; expected one of {KnownRoles}");
            return null;
        }

        string? toolCalls = null;
        if (element.TryGetProperty("tool_calls", out JsonElement calls) && calls.ValueKind != JsonValueKind.Null)
        {
            if (known != ChatRole.Assistant)
            {
                context.Fail($"{path}.tool_calls", $"'{path}' is a {roleName} turn, and only assistant turns can call tools");
                return null;
            }

            toolCalls = ToolCalls.FromArray(calls, $"{path}.tool_calls", context);
            if (toolCalls is null)
            {
                return null;
            }
        }

        string? content = ParseContent(element, path, known, toolCalls is not null, context);
        string? name = JsonFields.OptionalString(element, "name", $"{path}.name", context);
        string? toolCallId = JsonFields.OptionalString(element, "tool_call_id", $"{path}.tool_call_id", context);
        if (content is null || context.Failed)
        {
            return null;
        }

        return new ChatMessage(known, content) { Name = name, ToolCallId = toolCallId, ToolCalls = toolCalls };
    }

    private static string? ParseContent(JsonElement element, string path, ChatRole role, bool callsTools, RecordContext context)
    {
        string field = $"{path}.content";
        if (!element.TryGetProperty("content", out JsonElement content) || content.ValueKind == JsonValueKind.Null)
        {
            if (callsTools)
            {
                return string.Empty;
            }

            context.Fail(field, $"missing required field '{field}'");
            return null;
        }

        string? text = content.ValueKind switch
        {
            JsonValueKind.String => content.GetString(),
            JsonValueKind.Array => JoinTextParts(content, field, context),
            _ => null,
        };
        if (text is null)
        {
            if (content.ValueKind != JsonValueKind.Array)
            {
                string found = JsonFields.KindName(content.ValueKind);
                context.Fail(field, $"field '{field}' must be a string or an array of text parts, found {found}");
            }

            return null;
        }

        if (role == ChatRole.Assistant && !callsTools && string.IsNullOrWhiteSpace(text))
        {
            context.Fail(field, $"field '{field}' is empty, and an assistant turn is what the model learns");
            return null;
        }

        return text;
    }

    // OpenAI's content-part form; only text parts can be trained on by a text model.
    private static string? JoinTextParts(JsonElement parts, string field, RecordContext context)
    {
        var text = new StringBuilder();
        int index = 0;
        foreach (JsonElement part in parts.EnumerateArray())
        {
            string partPath = $"{field}[{index++}]";
            string? type = part.ValueKind == JsonValueKind.Object
                ? JsonFields.RequiredString(part, "type", $"{partPath}.type", context)
                : null;
            if (part.ValueKind != JsonValueKind.Object)
            {
                context.Fail(partPath, $"content part '{partPath}' must be an object, found {JsonFields.KindName(part.ValueKind)}");
                return null;
            }

            if (type is null)
            {
                return null;
            }

            if (type != "text")
            {
                context.Fail(partPath, $"content part '{partPath}' has type '{type}'; only text parts are supported");
                return null;
            }

            if (JsonFields.RequiredString(part, "text", $"{partPath}.text", context, allowEmpty: true) is not { } partText)
            {
                return null;
            }

            text.Append(partText);
        }

        return text.ToString();
    }
}
