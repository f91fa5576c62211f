using FineTune.Text.Chat;
using FineTune.Text.Data;
using FineTune.Text.Tokenization;

namespace FineTune.Training.Train;

/// <summary>
/// Turns validated dataset examples into token ids with a loss mask: conversations through the chat template
/// (loss on assistant replies and their end token by default), plain text as a whole (loss on every token, ending
/// with EOS). Examples longer than the maximum length are truncated; those left without any target are dropped,
/// and when none remain the run stops with a clear error.
/// </summary>
public sealed class ExampleTokenizer
{
    private readonly Tokenizer _tokenizer;
    private readonly ChatTemplate _template;
    private readonly int _maxLength;
    private readonly bool _allTokens;

    /// <summary>
    /// Uses the named template, else the family of the tokenizer's <c>chat_template</c>, else Alpaca — the format
    /// base models without a chat template are usually tuned with.
    /// </summary>
    public ExampleTokenizer(Tokenizer tokenizer, int maxLength, bool allTokens = false, string? templateName = null)
    {
        ArgumentNullException.ThrowIfNull(tokenizer);
        _tokenizer = tokenizer;
        _template = ChatTemplates.ForTokenizerOrAlpaca(tokenizer, templateName);
        _maxLength = maxLength;
        _allTokens = allTokens;
    }

    /// <summary>The chat template in use.</summary>
    public string TemplateName => _template.Name;

    /// <summary>Tokenizes every example; returns the kept ones and how many were truncated or dropped.</summary>
    public (List<TokenizedExample> Examples, int Truncated, int Dropped) TokenizeAll(IEnumerable<TrainingExample> examples)
    {
        ArgumentNullException.ThrowIfNull(examples);
        var kept = new List<TokenizedExample>();
        int truncated = 0, dropped = 0, total = 0;
        foreach (TrainingExample example in examples)
        {
            total++;
            TokenizedExample full = Tokenize(example) with { EntityKey = example.EntityKey };
            TokenizedExample cut = full.InputIds.Length <= _maxLength ? full
                : full with { InputIds = full.InputIds[.._maxLength], LossMask = full.LossMask[.._maxLength] };
            truncated += cut == full ? 0 : 1;
            // The first token is never predicted, so an example needs a target after it.
            if (cut.LossMask.Skip(1).Any(m => m))
            {
                kept.Add(cut);
            }
            else
            {
                dropped++;
            }
        }
        if (total > 0 && kept.Count == 0)
        {
            throw new InvalidDataException($"every example is truncated away: none of the {total} keeps a trained token within max_seq_len (--max-seq-len) {_maxLength}; raise it or shorten the prompts");
        }
        return (kept, truncated, dropped);
    }

    /// <summary>One example's ids and loss mask, before truncation.</summary>
    public TokenizedExample Tokenize(TrainingExample example)
    {
        (int[] ids, bool[] mask) = ExampleEncoder.Encode(example, _tokenizer, _template, _allTokens);
        return new TokenizedExample(ids, mask);
    }
}
