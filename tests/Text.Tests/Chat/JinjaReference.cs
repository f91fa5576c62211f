using System.Text.Json;
using System.Text.Json.Serialization;
using FineTune.Text.Chat;

namespace FineTune.Text.Tests.Chat;

/// <summary>
/// Renders official Jinja chat templates with <c>@huggingface/jinja</c> (the renderer behind transformers.js's
/// apply_chat_template) through <c>tools/reference/tokenizer/chat.mjs</c> (<see cref="NodeReference"/>). A missing
/// node or node_modules fails the test with the fix, never skips.
/// </summary>
internal static class JinjaReference
{
    /// <summary>Renders each conversation with <paramref name="template"/>; null where the template raised.</summary>
    public static string?[] Render(
        string template,
        IReadOnlyList<IReadOnlyList<ChatTurn>> conversations,
        bool addGenerationPrompt,
        string bosToken = "",
        string eosToken = "")
    {
        Request[] requests =
        [
            .. conversations.Select(c => new Request(
                template,
                [.. c.Select(t => new Message(t.Role, t.Content))],
                addGenerationPrompt,
                bosToken,
                eosToken)),
        ];
        string output = NodeReference.Run("Jinja", "@huggingface/jinja", "chat.mjs", [], JsonSerializer.Serialize(requests));
        Response[] responses = JsonSerializer.Deserialize<Response[]>(output)
            ?? throw new InvalidDataException("The Jinja reference printed null.");
        return [.. responses.Select(r => r.Text)];
    }

    private sealed record Message(
        [property: JsonPropertyName("role")] string Role,
        [property: JsonPropertyName("content")] string Content);

    private sealed record Request(
        [property: JsonPropertyName("template")] string Template,
        [property: JsonPropertyName("messages")] Message[] Messages,
        [property: JsonPropertyName("add_generation_prompt")] bool AddGenerationPrompt,
        [property: JsonPropertyName("bos_token")] string BosToken,
        [property: JsonPropertyName("eos_token")] string EosToken);

    private sealed record Response(
        [property: JsonPropertyName("text")] string? Text,
        [property: JsonPropertyName("error")] string? Error);
}
