using System.Text.Json;

namespace FineTune.Text.Data;

/// <summary>
/// Alpaca records: <c>instruction</c>, optional <c>input</c>, <c>output</c>, optional <c>system</c> and
/// <c>history</c> (<c>[[user, assistant], ...]</c>, earlier turns). The user turn is the instruction, then a blank
/// line and the input when there is one; the output is the assistant turn.
/// </summary>
internal static class AlpacaConverter
{
    public static TrainingExample? Convert(JsonElement record, RecordContext context)
    {
        string? instruction = JsonFields.RequiredString(record, "instruction", "instruction", context);
        string? input = JsonFields.OptionalString(record, "input", "input", context);
        string? output = JsonFields.RequiredString(record, "output", "output", context);
        string? system = JsonFields.OptionalString(record, "system", "system", context);
        List<ChatMessage>? history = ParseHistory(record, context);
        if (instruction is null || output is null || history is null || context.Failed)
        {
            return null;
        }

        var messages = new List<ChatMessage>(history.Count + 3);
        if (!string.IsNullOrEmpty(system))
        {
            messages.Add(new ChatMessage(ChatRole.System, system));
        }

        messages.AddRange(history);
        string user = string.IsNullOrWhiteSpace(input) ? instruction : $"{instruction}\n\n{input}";
        messages.Add(new ChatMessage(ChatRole.User, user));
        messages.Add(new ChatMessage(ChatRole.Assistant, output));
        return new TrainingExample { Format = DatasetFormat.Alpaca, Messages = messages };
    }

    private static List<ChatMessage>? ParseHistory(JsonElement record, RecordContext context)
    {
        if (!record.TryGetProperty("history", out JsonElement history) || history.ValueKind == JsonValueKind.Null)
        {
            return [];
        }

        if (history.ValueKind != JsonValueKind.Array)
        {
            string found = JsonFields.KindName(history.ValueKind);
            context.Fail("history", $"field 'history' must be an array of [instruction, response] pairs, found {found}");
            return null;
        }

        var messages = new List<ChatMessage>(2 * history.GetArrayLength());
        int index = 0;
        foreach (JsonElement pair in history.EnumerateArray())
        {
            string path = $"history[{index++}]";
            if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2)
            {
                string found = pair.ValueKind == JsonValueKind.Array
                    ? $"an array of {pair.GetArrayLength()}"
                    : JsonFields.KindName(pair.ValueKind);
                context.Fail(path, $"'{path}' must be an [instruction, response] pair, found {found}");
                return null;
            }

            string? user = JsonFields.RequireStringValue(pair[0], $"{path}[0]", context, allowEmpty: false);
            string? assistant = JsonFields.RequireStringValue(pair[1], $"{path}[1]", context, allowEmpty: false);
            if (user is null || assistant is null)
            {
                return null;
            }

            messages.Add(new ChatMessage(ChatRole.User, user));
            messages.Add(new ChatMessage(ChatRole.Assistant, assistant));
        }

        return messages;
    }
}
