using FineTune.Text.Tokenization;

namespace FineTune.Text.Chat;

/// <summary>
/// Tokenizes <see cref="ChatSegments"/> segment by segment so that the ids equal what the tokenizer produces for the
/// whole rendered string, and the assistant mask falls on exact token boundaries.
/// <para>
/// Why that works: the tokenizer first splits text on added (special) tokens, and BPE never merges across such a
/// split, so each run of plain text between two template special tokens is tokenized on its own. A run is encoded
/// with its neighbouring special tokens around it as context (then cut out after the left one's id and before the
/// right one's), so that everything that depends on the neighbours comes out as in the whole string: SentencePiece's
/// dummy-prefix U+2581 (prepended to every section by the legacy Llama/Mistral normalizer, only to the first by a
/// <c>prepend_scheme: first</c> Metaspace), lstrip/rstrip of the special tokens, and normalized special tokens that
/// are matched only after normalization.
/// </para>
/// <para>
/// The one place the ids knowingly differ from the whole string: a special token that the tokenizer does not
/// recognize in context is still emitted as its id (and that side's context is dropped). TinyStories is the case:
/// its added tokens are normalized, and its Prepend normalizer makes the stored form U+2581 + "&lt;|end_story|&gt;",
/// so "reply&lt;|end_story|&gt;" spelled out in one string encodes the EOS as four text pieces; a reply must end in
/// the EOS id for the model to learn to stop.
/// </para>
/// <para>
/// Inside a run, the only mask change is where a reply starts (a reply always ends with a special end-of-turn
/// token). Its token index is found by encoding the run's text up to that point: when those ids are a prefix of the
/// run's ids the boundary is exact. When whole-string BPE merges across it (e.g. ChatML "assistant\n" followed by a
/// reply that starts with "\n" gives one "\n\n" token), the straddling token is counted as the reply's, as
/// transformers' <c>return_assistant_tokens_mask</c> does. (Encoding header and reply apart would give two "\n"
/// tokens there: the ids of a prompt plus a generated reply, but not those of the whole string.)
/// </para>
/// </summary>
internal sealed class ChatEncoder
{
    private readonly Tokenizer _tokenizer;
    private readonly string _templateName;
    private readonly Dictionary<string, int> _specialIds = new(StringComparer.Ordinal);
    private readonly List<int> _ids = [];
    private readonly List<bool> _mask = [];

    private ChatEncoder(Tokenizer tokenizer, string templateName)
    {
        _tokenizer = tokenizer;
        _templateName = templateName;
    }

    /// <summary>
    /// Encodes <paramref name="segments"/>. With <paramref name="addSpecialTokens"/> the ids get what the tokenizer's
    /// post-processor adds to any text (BOS for Llama-style tokenizers), as <c>encode(text)</c> does by default.
    /// </summary>
    public static RenderedChat Encode(
        ChatSegments segments, Tokenizer tokenizer, string templateName, bool addSpecialTokens)
    {
        var encoder = new ChatEncoder(tokenizer, templateName);
        (int[] prefix, int[] suffix) = addSpecialTokens ? encoder.PostProcessorTokens() : ([], []);
        encoder.Append(prefix, trained: false);
        encoder.EncodeSegments(segments.Items);
        encoder.Append(suffix, trained: false);
        return new RenderedChat(segments.Text, encoder._ids.ToArray(), encoder._mask.ToArray());
    }

    private void EncodeSegments(IReadOnlyList<ChatSegment> items)
    {
        string? previousSpecial = null;
        int index = 0;
        while (index < items.Count)
        {
            if (items[index].IsSpecial)
            {
                _ids.Add(SpecialId(items[index].Text));
                _mask.Add(items[index].Trained);
                previousSpecial = items[index].Text;
                index++;
                continue;
            }

            int end = index;
            while (end < items.Count && !items[end].IsSpecial)
            {
                end++;
            }

            string? nextSpecial = end < items.Count ? items[end].Text : null;
            EncodeRun(items, index, end, previousSpecial, nextSpecial);
            index = end;
        }
    }

    private void EncodeRun(IReadOnlyList<ChatSegment> items, int start, int end, string? previous, string? next)
    {
        string text = string.Concat(Enumerable.Range(start, end - start).Select(i => items[i].Text));
        int[] run = EncodeBetween(previous, text, next);

        bool trained = items[start].Trained;
        int offset = 0;
        int tokenStart = 0;
        for (int i = start; i < end; i++)
        {
            if (items[i].Trained != trained)
            {
                int boundary = Boundary(previous, text, offset, run, enteringReply: items[i].Trained);
                boundary = Math.Max(tokenStart, boundary);
                Append(run.AsSpan(tokenStart, boundary - tokenStart), trained);
                tokenStart = boundary;
                trained = items[i].Trained;
            }

            offset += items[i].Text.Length;
        }

        Append(run.AsSpan(tokenStart), trained);
    }

    private int Boundary(string? previous, string text, int offset, int[] run, bool enteringReply)
    {
        int[] head = EncodeBetween(previous, text[..offset], next: null);
        int common = 0;
        while (common < head.Length && common < run.Length && head[common] == run[common])
        {
            common++;
        }

        if (common == head.Length)
        {
            return common;
        }

        // Token `common` holds characters from both sides of the boundary; it belongs to the reply either way.
        return enteringReply ? common : Math.Min(common + 1, run.Length);
    }

    private int[] EncodeBetween(string? previous, string text, string? next)
    {
        if (text.Length == 0)
        {
            return [];
        }

        int[] ids = _tokenizer.Encode(previous + text + next, addSpecialTokens: false);
        int start = 0;
        int end = ids.Length;
        if (previous is not null)
        {
            // Search rather than skip one id: a normalized special token can follow a dummy-prefix U+2581 token.
            start = Array.IndexOf(ids, SpecialId(previous)) + 1;
            if (start == 0)
            {
                return EncodeBetween(previous: null, text, next);
            }
        }

        if (next is not null)
        {
            end = Array.LastIndexOf(ids, SpecialId(next));
            if (end < start)
            {
                return EncodeBetween(previous, text, next: null);
            }
        }

        return ids[start..end];
    }

    private int SpecialId(string token)
    {
        if (_specialIds.TryGetValue(token, out int cached))
        {
            return cached;
        }

        int id = _tokenizer.TokenToId(token) ?? throw new InvalidOperationException(
            $"The tokenizer has no token '{token}', which the {_templateName} chat template needs; "
            + "pick the template with ChatTemplates.ForTokenizer so its special tokens come from the tokenizer.");

        // The text must encode to the id (possibly after a dummy-prefix token), i.e. be an added token, or the
        // whole-string encoding would spell it out in pieces.
        int[] encoded = _tokenizer.Encode(token, addSpecialTokens: false);
        if (encoded.Length == 0 || encoded[^1] != id)
        {
            throw new InvalidOperationException(
                $"'{token}' is not a special (added) token of this tokenizer, "
                + $"so the {_templateName} chat template cannot use it.");
        }

        _specialIds[token] = id;
        return id;
    }

    private (int[] Prefix, int[] Suffix) PostProcessorTokens()
    {
        // The post-processor is internal to the tokenizer; what it wraps around a probe text is what it adds.
        const string probe = "a";
        int[] bare = _tokenizer.Encode(probe, addSpecialTokens: false);
        int[] wrapped = _tokenizer.Encode(probe, addSpecialTokens: true);
        for (int start = 0; start + bare.Length <= wrapped.Length; start++)
        {
            if (wrapped.AsSpan(start, bare.Length).SequenceEqual(bare))
            {
                return (wrapped[..start], wrapped[(start + bare.Length)..]);
            }
        }

        throw new InvalidOperationException("The tokenizer's post-processor changes the text's own tokens.");
    }

    private void Append(ReadOnlySpan<int> ids, bool trained)
    {
        foreach (int id in ids)
        {
            _ids.Add(id);
            _mask.Add(trained);
        }
    }
}
