using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// ShareGPT records as LLaMA-Factory reads them: <c>{"conversations": [{"from", "value"}], "system"?, "tools"?}</c>.
/// <c>function_call</c> turns become assistant turns that call tools (their value is the call's JSON), and
/// <c>observation</c> turns become tool turns. Turns written as <c>role</c>/<c>content</c> are accepted too.
/// </summary>
internal static class ShareGptConverter
{
    private const string KnownRoles = "human, user, gpt, assistant, system, function_call, tool_call, observation, tool, function";

    public static TrainingExample? Convert(JsonElement record, RecordContext context)
    {
        if (!record.TryGetProperty("conversations", out JsonElement turns))
        {
            context.Fail("conversations", "missing required field 'conversations'");
            return null;
        }

        if (turns.ValueKind != JsonValueKind.Array || turns.GetArrayLength() == 0)
        {
            string found = turns.ValueKind == JsonValueKind.Array ? "an empty array" : JsonFields.KindName(turns.ValueKind);
            context.Fail("conversations", $"field 'conversations' must be a non-empty array of turns, found {found}");
            return null;
        }

        var messages = new List<ChatMessage>(turns.GetArrayLength() + 1);
        if (JsonFields.OptionalString(record, "system", "system", context) is { } system && system.Length > 0)
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        int index = 0;
        foreach (JsonElement turn in turns.EnumerateArray())
        {
            if (ParseTurn(turn, $"conversations[{index}]", context) is { } message)
            {
                messages.Add(message);
            }

            index++;
        }

        string? tools = ToolCalls.ToolsField(record, context);
        if (context.Failed || !MessagesConverter.RequireAssistant(messages, "conversations", context))
        {
            return null;
        }

        return new TrainingExample
        {
            Format = DatasetFormat.ShareGpt,
            Messages = messages,
            Tools = tools,
        };
    }

    private static ChatMessage? ParseTurn(JsonElement turn, string path, RecordContext context)
    {
        if (turn.ValueKind != JsonValueKind.Object)
        {
            context.Fail(path, $"turn '{path}' must be an object, found {JsonFields.KindName(turn.ValueKind)}");
            return null;
        }

        (string roleKey, string valueKey) = turn.TryGetProperty("from", out _) || !turn.TryGetProperty("role", out _)
            ? ("from", "value")
            : ("role", "content");
        string? from = JsonFields.RequiredString(turn, roleKey, $"{path}.{roleKey}", context);
        string? value = JsonFields.RequiredString(turn, valueKey, $"{path}.{valueKey}", context, allowEmpty: true);
        if (from is null || value is null)
        {
            return null;
        }

        switch (from)
        {
            case "human" or "user":
                return new ChatMessage(ChatRole.User, value);
            case "system":
                return new ChatMessage(ChatRole.System, value);
            case "observation" or "tool" or "function":
                return new ChatMessage(ChatRole.Tool, value);
            case "gpt" or "assistant":
                if (string.IsNullOrWhiteSpace(value))
                {
                    string field = $"{path}.{valueKey}";
                    context.Fail(field, $"field '{field}' is empty, and an assistant turn is what the model learns");
                    return null;
                }

                return new ChatMessage(ChatRole.Assistant, value);
            case "function_call" or "tool_call":
                string? calls = ToolCalls.FromJsonText(value, $"{path}.{valueKey}", context);
                return calls is null ? null : new ChatMessage(ChatRole.Assistant, string.Empty) { ToolCalls = calls };
            default:
                context.Fail($"{path}.{roleKey}", $"unknown role '{from}' in '{path}.{roleKey}'; expected one of {KnownRoles}");
                return null;
        }
    }
}
