using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// Llama 2 Chat, as Llama-2-7b-chat-hf's template renders it: each user turn is
/// <c>{bos}[INST] {content.strip()} [/INST]</c> and each reply <c> {content.strip()} {eos}</c>; a leading system
/// turn becomes <c>&lt;&lt;SYS&gt;&gt;\n{system}\n&lt;&lt;/SYS&gt;&gt;\n\n</c> in front of the first user content
/// (stripped together with it). Turns must alternate user/assistant after the optional system turn. Trained tokens:
/// the reply including its leading and trailing space, and <c>{eos}</c>.
/// <para>
/// There is no generation prompt: a conversation ending in a user turn already ends with the <c> [/INST]</c> cue, so
/// <c>addGenerationPrompt</c> changes nothing, as in the official template. The leading space of a reply is part of
/// its first token (U+2581 "word" in SentencePiece), which is why it counts as reply.
/// </para>
/// </summary>
public sealed class Llama2ChatTemplate : ChatTemplate
{
    /// <summary>The Llama 2 BOS token, the default for <see cref="BosToken"/>.</summary>
    public const string DefaultBosToken = "<s>";

    /// <summary>The Llama 2 EOS token, the default for <see cref="EosToken"/>.</summary>
    public const string DefaultEosToken = "</s>";

    /// <summary>Creates the template with the tokens its <c>bos_token</c> and <c>eos_token</c> stand for.</summary>
    public Llama2ChatTemplate(string bosToken = DefaultBosToken, string eosToken = DefaultEosToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bosToken);
        ArgumentException.ThrowIfNullOrEmpty(eosToken);
        BosToken = bosToken;
        EosToken = eosToken;
    }

    /// <inheritdoc />
    public override string Name => ChatTemplates.Llama2Name;

    /// <summary>The token that opens every user turn.</summary>
    public string BosToken { get; }

    /// <summary>The token that closes every reply.</summary>
    public string EosToken { get; }

    internal override ChatTemplate BindTo(Tokenizer tokenizer) =>
        new Llama2ChatTemplate(tokenizer.BosToken ?? DefaultBosToken, tokenizer.EosToken ?? DefaultEosToken);

    private protected override void Write(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, ChatSegments output)
    {
        string? system = SplitAlternating(turns, out int first);
        for (int i = first; i < turns.Count; i++)
        {
            string content = i == first && system is not null
                ? "<<SYS>>\n" + system + "\n<</SYS>>\n\n" + turns[i].Content
                : turns[i].Content;
            if (turns[i].Role == ChatRoles.User)
            {
                output.AddSpecial(BosToken);
                output.AddText("[INST] " + PythonText.Strip(content) + " [/INST]");
            }
            else
            {
                output.AddText(" " + PythonText.Strip(content) + " ", trained: true);
                output.AddSpecial(EosToken, trained: true);
            }
        }
    }
}
