using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// The Stanford Alpaca prompt, which has no Jinja template: a preamble, then per exchange
/// <c>### Instruction:\n{user}\n\n### Response:\n{reply}{eos}</c>, exchanges separated by a blank line. A leading
/// system turn replaces the preamble (an empty one drops it); without one the no-input preamble is used. Records
/// with an input field map to turns with <see cref="ToTurns"/>, which reproduces the with-input prompt exactly.
/// Trained tokens: each reply and its <c>{eos}</c>.
/// <para>
/// Like Alpaca's training code, which encodes prompt + reply + EOS with the tokenizer's defaults, the ids begin with
/// whatever the tokenizer's post-processor adds (BOS for Llama-style tokenizers, nothing for GPT-2); that BOS is not
/// part of the rendered text. Deviations from stanford_alpaca: "### Response:" is followed by a newline (as in
/// alpaca-lora and most later tools; stanford_alpaca appends the reply directly), and multi-turn conversations,
/// which Alpaca did not have, repeat the instruction/response block. The generation prompt is the trailing
/// "### Response:\n" that every user turn already ends with, so <c>addGenerationPrompt</c> changes nothing.
/// </para>
/// </summary>
public sealed class AlpacaChatTemplate : ChatTemplate
{
    /// <summary>The preamble for a record without input (Alpaca's <c>prompt_no_input</c>).</summary>
    public const string NoInputPreamble =
        "Below is an instruction that describes a task. Write a response that appropriately completes the request.";

    /// <summary>The preamble for a record with input (Alpaca's <c>prompt_input</c>).</summary>
    public const string InputPreamble =
        "Below is an instruction that describes a task, paired with an input that provides further context. "
        + "Write a response that appropriately completes the request.";

    /// <summary>The EOS token used when none is given: Llama's, as in the original Alpaca.</summary>
    public const string DefaultEosToken = "</s>";

    /// <summary>Creates the template with the token that ends every reply.</summary>
    public AlpacaChatTemplate(string eosToken = DefaultEosToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(eosToken);
        EosToken = eosToken;
    }

    /// <inheritdoc />
    public override string Name => ChatTemplates.AlpacaName;

    /// <summary>The token that closes every reply.</summary>
    public string EosToken { get; }

    private protected override bool AddsTokenizerSpecialTokens => true;

    /// <summary>
    /// The turns for an Alpaca record: a system turn with the matching preamble, a user turn holding the
    /// instruction (followed by <c>\n\n### Input:\n{input}</c> when the input is not empty), and, when
    /// <paramref name="output"/> is given, the assistant reply.
    /// </summary>
    public static IReadOnlyList<ChatTurn> ToTurns(string instruction, string? input = null, string? output = null)
    {
        ArgumentNullException.ThrowIfNull(instruction);
        bool hasInput = !string.IsNullOrEmpty(input);
        var turns = new List<ChatTurn>(3)
        {
            new(ChatRoles.System, hasInput ? InputPreamble : NoInputPreamble),
            new(ChatRoles.User, hasInput ? instruction + "\n\n### Input:\n" + input : instruction),
        };
        if (output is not null)
        {
            turns.Add(new ChatTurn(ChatRoles.Assistant, output));
        }

        return turns;
    }

    internal override ChatTemplate BindTo(Tokenizer tokenizer) =>
        new AlpacaChatTemplate(tokenizer.EosToken ?? DefaultEosToken);

    private protected override void Write(IReadOnlyList<ChatTurn> turns, bool addGenerationPrompt, ChatSegments output)
    {
        string preamble = SplitAlternating(turns, out int first) ?? NoInputPreamble;
        if (preamble.Length > 0)
        {
            output.AddText(preamble + "\n\n");
        }

        for (int i = first; i < turns.Count; i++)
        {
            if (turns[i].Role == ChatRoles.User)
            {
                string separator = i == first ? "" : "\n\n";
                output.AddText(separator + "### Instruction:\n" + turns[i].Content + "\n\n### Response:\n");
            }
            else
            {
                output.AddText(turns[i].Content, trained: true);
                output.AddSpecial(EosToken, trained: true);
            }
        }
    }
}
