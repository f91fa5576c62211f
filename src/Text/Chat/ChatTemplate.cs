using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// A model family's conversation format. <see cref="RenderText"/> produces the string the family's official Hugging
/// Face template renders; <see cref="Render"/> tokenizes it and marks the assistant tokens, for training on responses
/// only. Each family is written out in C# (this is not a Jinja interpreter); <see cref="ChatTemplates"/> picks one by
/// name or from a tokenizer's <c>chat_template</c>. Instances are immutable and thread-safe.
/// </summary>
public abstract class ChatTemplate
{
    private protected ChatTemplate()
    {
    }

    /// <summary>The name <see cref="ChatTemplates.Get"/> knows this family by, e.g. <c>chatml</c>.</summary>
    public abstract string Name { get; }

    /// <summary>
    /// Whether <see cref="Render"/> adds what the tokenizer's post-processor adds to any text (BOS for Llama-style
    /// tokenizers). False for families whose template spells BOS itself, as <c>apply_chat_template</c> encodes
    /// without special tokens.
    /// </summary>
    private protected virtual bool AddsTokenizerSpecialTokens => false;

    /// <summary>
    /// Renders <paramref name="turns"/> to text. With <paramref name="addGenerationPrompt"/> the text ends with the
    /// cue for the model's next reply (e.g. <c>&lt;|im_start|&gt;assistant\n</c>) where the family has one.
    /// </summary>
    /// <exception cref="ArgumentException">The family does not accept this sequence of roles.</exception>
    public string RenderText(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt = false)
    {
        return Build(turns, addGenerationPrompt).Text;
    }

    /// <summary>
    /// Renders and tokenizes <paramref name="turns"/> segment by segment, with the assistant mask on exact token
    /// boundaries (see <see cref="RenderedChat"/>). The ids equal <paramref name="tokenizer"/>'s encoding of the
    /// whole <see cref="RenderedChat.Text"/> without special tokens, as <c>apply_chat_template</c> tokenizes (Alpaca,
    /// which has no BOS in its text, gets the tokenizer's defaults, as its training code does); the one exception is
    /// a template token the tokenizer cannot find inside a string (TinyStories' normalized added tokens), which is
    /// still emitted as its id. Where whole-string BPE merges a token across the start of a reply, that token is
    /// counted as the reply's.
    /// </summary>
    /// <exception cref="ArgumentException">The family does not accept this sequence of roles.</exception>
    /// <exception cref="InvalidOperationException">The tokenizer lacks a special token the template uses.</exception>
    public RenderedChat Render(IReadOnlyList<ChatTurn> turns, Tokenizer tokenizer, bool addGenerationPrompt = false)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ChatSegments segments = Build(turns, addGenerationPrompt);
        return ChatEncoder.Encode(segments, tokenizer, Name, AddsTokenizerSpecialTokens);
    }

    /// <summary>This family with the BOS/EOS of <paramref name="tokenizer"/>, as its template reads them.</summary>
    internal abstract ChatTemplate BindTo(Tokenizer tokenizer);

    /// <summary>Writes the rendering of <paramref name="turns"/>, marking assistant output as trained.</summary>
    private protected abstract void Write(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, ChatSegments output);

    /// <summary>
    /// For the [INST]-style and Alpaca families: the content of a leading system turn (null without one), after
    /// checking that the remaining turns alternate user/assistant starting with user. The official templates raise
    /// on most violations and silently drop a system or tool turn at an odd position; here every violation throws.
    /// </summary>
    private protected string? SplitAlternating(IReadOnlyList<ChatTurn> turns, out int firstIndex)
    {
        string? system = null;
        firstIndex = 0;
        if (turns.Count > 0 && turns[0].Role == ChatRoles.System)
        {
            system = turns[0].Content;
            firstIndex = 1;
        }

        for (int i = firstIndex; i < turns.Count; i++)
        {
            string expected = (i - firstIndex) % 2 == 0 ? ChatRoles.User : ChatRoles.Assistant;
            if (turns[i].Role != expected)
            {
                throw new ArgumentException(
                    $"The {Name} chat template needs an optional leading system turn, then turns alternating "
                    + $"user/assistant/user/...; turn {i} is '{turns[i].Role}' where '{expected}' belongs.",
                    nameof(turns));
            }
        }

        return system;
    }

    private ChatSegments Build(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt)
    {
        ArgumentNullException.ThrowIfNull(turns);
        for (int i = 0; i < turns.Count; i++)
        {
            if (turns[i] is null)
            {
                throw new ArgumentException($"Turn {i} is null.", nameof(turns));
            }
        }

        var output = new ChatSegments();
        Write(turns, addGenerationPrompt, output);
        return output;
    }
}
