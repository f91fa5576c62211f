using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// Picks a <see cref="ChatTemplate"/>: by name (<see cref="Get"/>), from a tokenizer's Jinja <c>chat_template</c>
/// when it belongs to a known family (<see cref="Detect"/>), or both at once for a tokenizer
/// (<see cref="ForTokenizer"/>, which also takes BOS/EOS from the tokenizer, as the Jinja templates do).
/// </summary>
public static class ChatTemplates
{
    /// <summary>ChatML (Qwen): <see cref="ChatMLTemplate"/>.</summary>
    public const string ChatMLName = "chatml";

    /// <summary>Llama 3 Instruct: <see cref="Llama3ChatTemplate"/>.</summary>
    public const string Llama3Name = "llama3";

    /// <summary>Llama 2 Chat: <see cref="Llama2ChatTemplate"/>.</summary>
    public const string Llama2Name = "llama2";

    /// <summary>Mistral Instruct v0.1/v0.2: <see cref="MistralChatTemplate"/>.</summary>
    public const string MistralName = "mistral";

    /// <summary>Stanford Alpaca: <see cref="AlpacaChatTemplate"/>.</summary>
    public const string AlpacaName = "alpaca";

    private static readonly ChatTemplate[] s_defaults =
    [
        new ChatMLTemplate(),
        new Llama3ChatTemplate(),
        new Llama2ChatTemplate(),
        new MistralChatTemplate(),
        new AlpacaChatTemplate(),
    ];

    /// <summary>The names <see cref="Get"/> accepts.</summary>
    public static IReadOnlyList<string> Names { get; } = [.. s_defaults.Select(t => t.Name)];

    /// <summary>
    /// The template named <paramref name="name"/> (case-insensitive), with the family's usual BOS/EOS
    /// (<c>&lt;s&gt;</c>/<c>&lt;/s&gt;</c> for Llama 2, Mistral and Alpaca).
    /// </summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    public static ChatTemplate Get(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return s_defaults.FirstOrDefault(t => string.Equals(t.Name, name, StringComparison.OrdinalIgnoreCase))
            ?? throw new ArgumentException(
                $"Unknown chat template '{name}'; known templates: {string.Join(", ", Names)}.", nameof(name));
    }

    /// <summary>
    /// The family of a Jinja <c>chat_template</c>, recognized by its markers: <c>&lt;|im_start|&gt;</c> is ChatML,
    /// <c>&lt;|start_header_id|&gt;</c> Llama 3, <c>[INST]</c> with <c>&lt;&lt;SYS&gt;&gt;</c> Llama 2, <c>[INST]</c>
    /// alone Mistral, and "### Instruction" with "### Response" Alpaca. Null when the template is missing or none
    /// matches. Only the family is detected: template details outside it (tools, thinking) are not honoured.
    /// </summary>
    public static ChatTemplate? Detect(string? chatTemplate)
    {
        if (string.IsNullOrEmpty(chatTemplate))
        {
            return null;
        }

        bool Has(string marker) => chatTemplate.Contains(marker, StringComparison.Ordinal);
        string? name =
            Has("<|im_start|>") ? ChatMLName
            : Has("<|start_header_id|>") ? Llama3Name
            : Has("[INST]") ? (Has("<<SYS>>") ? Llama2Name : MistralName)
            : Has("### Instruction") && Has("### Response") ? AlpacaName
            : null;
        return name is null ? null : Get(name);
    }

    /// <summary>
    /// The template for <paramref name="tokenizer"/>: the one named <paramref name="name"/>, or when it is null the
    /// family detected from <see cref="Tokenizer.ChatTemplate"/>; its BOS/EOS are the tokenizer's (family defaults
    /// where the tokenizer has none), as the Jinja template's <c>bos_token</c>/<c>eos_token</c> would be.
    /// </summary>
    /// <exception cref="ArgumentException">The name is not one of <see cref="Names"/>.</exception>
    /// <exception cref="InvalidOperationException">No name is given and no known family is detected.</exception>
    public static ChatTemplate ForTokenizer(Tokenizer tokenizer, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        ChatTemplate template = name is not null
            ? Get(name)
            : Detect(tokenizer.ChatTemplate) ?? throw new InvalidOperationException(
                "The tokenizer has no chat_template of a known family; name one of: " + string.Join(", ", Names) + ".");
        return template.BindTo(tokenizer);
    }

    /// <summary>
    /// Like <see cref="ForTokenizer"/>, but a tokenizer without a known chat template (a base model) gets the Alpaca
    /// format — what base models are usually tuned and prompted with — instead of an error.
    /// </summary>
    public static ChatTemplate ForTokenizerOrAlpaca(Tokenizer tokenizer, string? name = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        return ForTokenizer(tokenizer, name ?? (Detect(tokenizer.ChatTemplate) is null ? AlpacaName : null));
    }
}
