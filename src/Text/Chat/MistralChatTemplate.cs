using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// Mistral Instruct (v0.1, v0.2 and Mixtral-8x7B-Instruct as first released): <c>{bos}</c> once, each user turn
/// <c>[INST] {content} [/INST]</c> and each reply <c>{content}{eos}</c>, with no spaces added around the reply and
/// no stripping. Turns must alternate user/assistant. Trained tokens: the reply and <c>{eos}</c>.
/// <para>
/// Those templates reject a system turn; here a leading system turn is put in front of the first user content as
/// <c>{system}\n\n{content}</c>, the rule Mistral's later templates and mistral-common use. Like the official
/// template there is no generation prompt (<c>addGenerationPrompt</c> changes nothing). Mistral's v3 (v0.3) and later
/// formats (<c>[INST]</c> without the space before <c>[/INST]</c>, tool tokens) are not this family.
/// </para>
/// </summary>
public sealed class MistralChatTemplate : ChatTemplate
{
    /// <summary>Mistral's BOS token, the default for <see cref="BosToken"/>.</summary>
    public const string DefaultBosToken = "<s>";

    /// <summary>Mistral's EOS token, the default for <see cref="EosToken"/>.</summary>
    public const string DefaultEosToken = "</s>";

    /// <summary>Creates the template with the tokens its <c>bos_token</c> and <c>eos_token</c> stand for.</summary>
    public MistralChatTemplate(string bosToken = DefaultBosToken, string eosToken = DefaultEosToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bosToken);
        ArgumentException.ThrowIfNullOrEmpty(eosToken);
        BosToken = bosToken;
        EosToken = eosToken;
    }

    /// <inheritdoc />
    public override string Name => ChatTemplates.MistralName;

    /// <summary>The token that opens the conversation.</summary>
    public string BosToken { get; }

    /// <summary>The token that closes every reply.</summary>
    public string EosToken { get; }

    internal override ChatTemplate BindTo(Tokenizer tokenizer) =>
        new MistralChatTemplate(tokenizer.BosToken ?? DefaultBosToken, tokenizer.EosToken ?? DefaultEosToken);

    private protected override void Write(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, ChatSegments output)
    {
        string? system = SplitAlternating(turns, out int first);
        output.AddSpecial(BosToken);
        for (int i = first; i < turns.Count; i++)
        {
            if (turns[i].Role == ChatRoles.User)
            {
                string content = i == first && system is not null
                    ? system + "\n\n" + turns[i].Content
                    : turns[i].Content;
                output.AddText("[INST] " + content + " [/INST]");
            }
            else
            {
                output.AddText(turns[i].Content, trained: true);
                output.AddSpecial(EosToken, trained: true);
            }
        }
    }
}
