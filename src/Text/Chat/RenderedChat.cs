namespace FineTune.Text.Chat;

/// <summary>
/// A conversation rendered by a <see cref="ChatTemplate"/>: its text, its token ids, and a mask that is true exactly
/// on the tokens of the assistant replies, each reply's end-of-turn token included (the model must learn to stop).
/// Training on responses only keeps the loss where the mask is true. The arrays are owned by this object and must
/// not be changed.
/// </summary>
public sealed class RenderedChat
{
    internal RenderedChat(string text, int[] ids, bool[] assistantMask)
    {
        Text = text;
        Ids = ids;
        AssistantMask = assistantMask;
    }

    /// <summary>The rendered text, as <see cref="ChatTemplate.RenderText"/> returns it.</summary>
    public string Text { get; }

    /// <summary>
    /// The token ids of <see cref="Text"/>, as the tokenizer encodes the whole string
    /// (see <see cref="ChatTemplate.Render"/>).
    /// </summary>
    public int[] Ids { get; }

    /// <summary>One flag per id: true on assistant reply tokens and their end-of-turn token, false elsewhere.</summary>
    public bool[] AssistantMask { get; }

    /// <summary>The number of tokens.</summary>
    public int Count => Ids.Length;
}
