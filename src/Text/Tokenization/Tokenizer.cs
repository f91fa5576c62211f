namespace FineTune.Text.Tokenization;

/// <summary>
/// A tokenizer loaded from a Hugging Face <c>tokenizer.json</c> (plus <c>tokenizer_config.json</c>): byte-level BPE
/// (GPT-2, Llama 3, Qwen2/3) and SentencePiece-style BPE with byte fallback (Llama 2, Mistral, TinyStories).
/// Encoding matches <c>@huggingface/tokenizers@0.2.0</c> (tokenizers.js) id for id, including its departures from
/// the Rust crate; <c>tools/reference/tokenizer</c> runs that reference and the tests compare the two.
/// The pipeline per text: split on added tokens, normalize each piece, split again on normalized added tokens,
/// pre-tokenize into words, BPE each word, then post-process (BOS/EOS templates). It is not a trainer, and it
/// handles single sequences only (no pairs, truncation or padding). Instances are immutable and thread-safe.
/// </summary>
public sealed partial class Tokenizer
{
    private readonly TextNormalizer? _normalizer;
    private readonly PreTokenizer? _preTokenizer;
    private readonly BpeModel _model;
    private readonly PostProcessor? _postProcessor;
    private readonly TokenDecoder? _decoder;
    private readonly Dictionary<string, AddedToken> _addedTokens;
    private readonly AddedTokenSplitter _rawSplitter;
    private readonly AddedTokenSplitter _normalizedSplitter;
    private readonly Dictionary<string, int> _vocabulary;
    private readonly string?[] _idToToken;
    private readonly HashSet<string> _specialTokens;
    private readonly string? _unknownToken;
    private readonly string? _endOfWordSuffix;

    /// <summary>The size of the id space: one more than the largest token id, added tokens included.</summary>
    public int VocabSize => _idToToken.Length;

    /// <summary>The beginning-of-sequence token from <c>tokenizer_config.json</c>, if any.</summary>
    public string? BosToken { get; }

    /// <summary>The end-of-sequence token from <c>tokenizer_config.json</c>, if any.</summary>
    public string? EosToken { get; }

    /// <summary>The id of <see cref="BosToken"/>, or null when there is none or it is not in the vocabulary.</summary>
    public int? BosTokenId => BosToken is null ? null : TokenToId(BosToken);

    /// <summary>The id of <see cref="EosToken"/>, or null when there is none or it is not in the vocabulary.</summary>
    public int? EosTokenId => EosToken is null ? null : TokenToId(EosToken);

    /// <summary>
    /// <c>add_bos_token</c> from <c>tokenizer_config.json</c> (false when absent). Informational: like the reference,
    /// <see cref="Encode"/> adds only what the <c>tokenizer.json</c> post-processor template adds.
    /// </summary>
    public bool AddBosToken { get; }

    /// <summary><c>add_eos_token</c> from <c>tokenizer_config.json</c> (false when absent); informational, as above.</summary>
    public bool AddEosToken { get; }

    /// <summary>The Jinja <c>chat_template</c> from <c>tokenizer_config.json</c> (the "default" one of a list), if any.</summary>
    public string? ChatTemplate { get; }

    /// <summary>
    /// Whether <see cref="Decode"/> applies the transformers clean-up (" ." to ".", " n't" to "n't", ...):
    /// <c>clean_up_tokenization_spaces</c> from <c>tokenizer_config.json</c>, true when absent, as in the reference.
    /// </summary>
    public bool CleanUpTokenizationSpaces { get; }

    /// <summary>
    /// Encodes <paramref name="text"/> to token ids. With <paramref name="addSpecialTokens"/> the post-processor
    /// template adds its special tokens (e.g. BOS for Llama 2), as <c>encode(text)</c> does by default in Hugging Face.
    /// Added-token text such as <c>&lt;|im_start|&gt;</c> inside <paramref name="text"/> always maps to its id.
    /// </summary>
    public int[] Encode(string text, bool addSpecialTokens = true)
    {
        ArgumentNullException.ThrowIfNull(text);
        var ids = new List<int>(text.Length / 3 + 4);
        var sections = new List<string>();
        _rawSplitter.Split(text, sections);
        StripAroundAddedTokens(sections);

        var subsections = new List<string>();
        var words = new List<string>();
        for (int index = 0; index < sections.Count; index++)
        {
            string section = sections[index];
            if (section.Length == 0)
            {
                continue;
            }

            if (_addedTokens.TryGetValue(section, out AddedToken? token))
            {
                ids.Add(token.Id);
                continue;
            }

            string normalized = _normalizer?.Normalize(section) ?? section;
            subsections.Clear();
            _normalizedSplitter.Split(normalized, subsections);
            StripAroundAddedTokens(subsections);
            foreach (string subsection in subsections)
            {
                if (subsection.Length == 0)
                {
                    continue;
                }

                if (_addedTokens.TryGetValue(subsection, out token))
                {
                    ids.Add(token.Id);
                    continue;
                }

                words.Clear();
                if (_preTokenizer is null)
                {
                    words.Add(subsection);
                }
                else
                {
                    _preTokenizer.PreTokenize(subsection, index, words);
                }

                _model.Encode(words, ids);
            }
        }

        return (_postProcessor?.Process(ids, addSpecialTokens) ?? ids).ToArray();
    }

    /// <summary>
    /// Decodes token ids to text through the <c>tokenizer.json</c> decoder, then applies
    /// <see cref="CleanUpTokenizationSpaces"/>. Ids beyond the vocabulary decode as the unknown token; without one
    /// they throw <see cref="ArgumentOutOfRangeException"/>. No ids decode to "" (the reference rejects that input).
    /// </summary>
    public string Decode(ReadOnlySpan<int> ids, bool skipSpecialTokens = false)
    {
        var tokens = new List<string>(ids.Length);
        foreach (int id in ids)
        {
            string? token = (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;
            token ??= _unknownToken ?? throw new ArgumentOutOfRangeException(
                nameof(ids), id, "Token id is not in the vocabulary and the tokenizer has no unknown token.");
            if (!skipSpecialTokens || !_specialTokens.Contains(token))
            {
                tokens.Add(token);
            }
        }

        string text = _decoder is null ? string.Join(' ', tokens) : string.Concat(_decoder.DecodeChain(tokens));
        if (!string.IsNullOrEmpty(_endOfWordSuffix))
        {
            text = text.Replace(_endOfWordSuffix, " ", StringComparison.Ordinal);
            text = skipSpecialTokens ? text.Trim() : text;
        }

        return CleanUpTokenizationSpaces ? CleanUp(text) : text;
    }

    /// <summary>The id of <paramref name="token"/> (vocabulary or added token), or null when it has none.</summary>
    public int? TokenToId(string token)
    {
        ArgumentNullException.ThrowIfNull(token);
        return _vocabulary.TryGetValue(token, out int id) ? id : null;
    }

    /// <summary>The token string of <paramref name="id"/>, or null when no token has that id.</summary>
    public string? IdToToken(int id) => (uint)id < (uint)_idToToken.Length ? _idToToken[id] : null;

    /// <summary>Whether <paramref name="id"/> is a special token (dropped by <c>skipSpecialTokens</c>).</summary>
    public bool IsSpecialToken(int id) => IdToToken(id) is { } token && _specialTokens.Contains(token);

    private void StripAroundAddedTokens(List<string> pieces)
    {
        // In place and in order, like the reference: a stripped neighbour is what the next step sees.
        for (int i = 0; i < pieces.Count; i++)
        {
            if (!_addedTokens.TryGetValue(pieces[i], out AddedToken? token))
            {
                continue;
            }

            if (token.LStrip && i > 0)
            {
                pieces[i - 1] = JsText.TrimEnd(pieces[i - 1]);
            }

            if (token.RStrip && i < pieces.Count - 1)
            {
                pieces[i + 1] = JsText.TrimStart(pieces[i + 1]);
            }
        }
    }

    private static string CleanUp(string text)
    {
        return text.Replace(" .", ".", StringComparison.Ordinal)
            .Replace(" ?", "?", StringComparison.Ordinal)
            .Replace(" !", "!", StringComparison.Ordinal)
            .Replace(" ,", ",", StringComparison.Ordinal)
            .Replace(" ' ", "'", StringComparison.Ordinal)
            .Replace(" n't", "n't", StringComparison.Ordinal)
            .Replace(" 'm", "'m", StringComparison.Ordinal)
            .Replace(" 's", "'s", StringComparison.Ordinal)
            .Replace(" 've", "'ve", StringComparison.Ordinal)
            .Replace(" 're", "'re", StringComparison.Ordinal);
    }
}
