using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// Llama 3 Instruct: <c>{bos}</c> once, then per turn
/// <c>&lt;|start_header_id|&gt;{role}&lt;|end_header_id|&gt;\n\n{content.strip()}&lt;|eot_id|&gt;</c>; the generation
/// prompt is <c>&lt;|start_header_id|&gt;assistant&lt;|end_header_id|&gt;\n\n</c>. Roles are written as given (a tool
/// turn gets a "tool" header). Trained tokens: each stripped reply and its <c>&lt;|eot_id|&gt;</c>, not the header.
/// <para>
/// Matches Meta-Llama-3-8B-Instruct's template. Its very first release (the one in some tokenizer_config.json copies)
/// appended the generation prompt even when not asked for; here it appears only with <c>addGenerationPrompt</c>,
/// as in the corrected release. Stripping is Python's <c>str.strip()</c>, as Jinja's <c>trim</c> under transformers.
/// Llama 3.1 and later templates (a dated system header, the ipython role, tool calls) are detected as this family
/// but rendered in this 3.0 form.
/// </para>
/// </summary>
public sealed class Llama3ChatTemplate : ChatTemplate
{
    /// <summary>Llama 3's BOS token, the default for <see cref="BosToken"/>.</summary>
    public const string DefaultBosToken = "<|begin_of_text|>";

    private const string StartHeader = "<|start_header_id|>";
    private const string EndHeader = "<|end_header_id|>";
    private const string EndOfTurn = "<|eot_id|>";

    /// <summary>Creates the template with the BOS token the template's <c>bos_token</c> stands for.</summary>
    public Llama3ChatTemplate(string bosToken = DefaultBosToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(bosToken);
        BosToken = bosToken;
    }

    /// <inheritdoc />
    public override string Name => ChatTemplates.Llama3Name;

    /// <summary>The token written before the first turn.</summary>
    public string BosToken { get; }

    internal override ChatTemplate BindTo(Tokenizer tokenizer) =>
        new Llama3ChatTemplate(tokenizer.BosToken ?? DefaultBosToken);

    private protected override void Write(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, ChatSegments output)
    {
        for (int i = 0; i < turns.Count; i++)
        {
            if (i == 0)
            {
                output.AddSpecial(BosToken);
            }

            bool reply = turns[i].Role == ChatRoles.Assistant;
            WriteHeader(turns[i].Role, output);
            output.AddText(PythonText.Strip(turns[i].Content), reply);
            output.AddSpecial(EndOfTurn, reply);
        }

        if (addGenerationPrompt)
        {
            WriteHeader(ChatRoles.Assistant, output);
        }
    }

    private static void WriteHeader(string role, ChatSegments output)
    {
        output.AddSpecial(StartHeader);
        output.AddText(role);
        output.AddSpecial(EndHeader);
        output.AddText("\n\n");
    }
}
