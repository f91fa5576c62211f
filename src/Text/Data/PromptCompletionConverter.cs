using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// <c>{"prompt", "completion"}</c> records: the prompt is the user turn (it may be empty, for unconditioned
/// generation) and the completion the assistant turn. Either side may instead be an array of OpenAI messages,
/// TRL's conversational prompt/completion form.
/// </summary>
internal static class PromptCompletionConverter
{
    public static TrainingExample? Convert(JsonElement record, RecordContext context)
    {
        List<ChatMessage>? prompt = Side(record, "prompt", ChatRole.User, allowEmpty: true, context);
        List<ChatMessage>? completion = Side(record, "completion", ChatRole.Assistant, allowEmpty: false, context);
        if (prompt is null || completion is null || context.Failed
            || !MessagesConverter.RequireAssistant(completion, "completion", context))
        {
            return null;
        }

        return new TrainingExample { Format = DatasetFormat.PromptCompletion, Messages = [.. prompt, .. completion] };
    }

    private static List<ChatMessage>? Side(
        JsonElement record, string name, ChatRole role, bool allowEmpty, RecordContext context)
    {
        if (record.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Array)
        {
            return MessagesConverter.ParseList(value, name, context);
        }

        return JsonFields.RequiredString(record, name, name, context, allowEmpty) is { } text
            ? [new ChatMessage(role, text)]
            : null;
    }
}
