using FineTune.Text.Data;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// One training example as the trainer sees it: token ids and a loss mask. Conversations go through the chat template
/// (loss on assistant replies and their end token, or on every token but the first with <c>allTokens</c>); plain text
/// is encoded whole and ends with EOS, loss on every token but the first (which nothing predicts). The trainer and the
/// API's dataset preview both call this, so the preview shows exactly what is trained.
/// </summary>
public static class ExampleEncoder
{
    /// <summary>The ids and loss mask of <paramref name="example"/>, before any truncation.</summary>
    /// <param name="example">A validated example.</param>
    /// <param name="tokenizer">The model's tokenizer.</param>
    /// <param name="template">The chat template, bound to <paramref name="tokenizer"/> (see <see cref="ChatTemplates.ForTokenizerOrAlpaca"/>).</param>
    /// <param name="allTokens">Train on the prompt too, not only on the replies.</param>
    public static (int[] Ids, bool[] LossMask) Encode(TrainingExample example, Tokenizer tokenizer, ChatTemplate template, bool allTokens = false)
    {
        ArgumentNullException.ThrowIfNull(example);
        ArgumentNullException.ThrowIfNull(tokenizer);
        ArgumentNullException.ThrowIfNull(template);
        if (example.Text is { } text)
        {
            int[] body = tokenizer.Encode(text);
            int[] ids = tokenizer.EosTokenId is int eos ? [.. body, eos] : body;
            return (ids, ids.Select((_, i) => i > 0).ToArray());
        }
        var turns = example.Messages.Select(m => new ChatTurn(m.RoleName, string.IsNullOrEmpty(m.Content) ? m.ToolCalls ?? "" : m.Content)).ToList();
        RenderedChat rendered = template.Render(turns, tokenizer);
        bool[] mask = allTokens ? rendered.Ids.Select((_, i) => i > 0).ToArray() : rendered.AssistantMask;
        return (rendered.Ids, mask);
    }
}
