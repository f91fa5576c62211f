using System.Text.Json;

namespace FineTune.Text.Tokenization;

/// <summary>Loading: parses <c>tokenizer.json</c> and <c>tokenizer_config.json</c> into the pipeline's components.</summary>
public sealed partial class Tokenizer
{
    private static readonly JsonDocumentOptions s_jsonOptions = new() { MaxDepth = 256 };

    private Tokenizer(JsonElement root, JsonElement config, string tokenizerPath, string configPath)
    {
        ThrowIfUnsupportedConfig(config, configPath);
        _normalizer = TextNormalizer.Create(root.Get("normalizer"), tokenizerPath);
        _preTokenizer = PreTokenizer.Create(root.Get("pre_tokenizer"), tokenizerPath);

        JsonElement model = root.Get("model") ?? throw new InvalidDataException($"'{tokenizerPath}' has no model.");
        string modelType = model.GetString("type") ?? (model.Get("merges") is null ? "(none)" : "BPE");
        if (modelType != "BPE")
        {
            throw new NotSupportedException($"Model type '{modelType}' in '{tokenizerPath}' is not supported.");
        }

        // The vocabulary is the model's, with added tokens laid over it (later entries win, as in a JS Map).
        _vocabulary = new Dictionary<string, int>(StringComparer.Ordinal);
        int maxId = -1;
        if (model.Get("vocab") is not { ValueKind: JsonValueKind.Object } vocab)
        {
            throw new InvalidDataException($"The BPE model in '{tokenizerPath}' has no vocab object.");
        }

        foreach (JsonProperty entry in vocab.EnumerateObject())
        {
            int id = entry.Value.GetInt32();
            _vocabulary[entry.Name] = id;
            maxId = Math.Max(maxId, id);
        }

        _unknownToken = model.GetString("unk_token");
        int? modelUnknownId = _unknownToken is not null && _vocabulary.TryGetValue(_unknownToken, out int unk) ? unk : null;
        _endOfWordSuffix = model.GetString("end_of_word_suffix");

        List<AddedToken> added = ReadAddedTokens(root);
        foreach (AddedToken token in added)
        {
            maxId = Math.Max(maxId, token.Id);
        }

        _idToToken = new string?[maxId + 1];
        foreach ((string token, int id) in _vocabulary)
        {
            _idToToken[id] = token;
        }

        _addedTokens = new Dictionary<string, AddedToken>(StringComparer.Ordinal);
        _specialTokens = new HashSet<string>(StringComparer.Ordinal);
        var rawContents = new List<string>();
        var normalizedContents = new List<string>();
        foreach (AddedToken token in added)
        {
            _vocabulary[token.Content] = token.Id;
            _idToToken[token.Id] = token.Content;
            if (token.Special)
            {
                _specialTokens.Add(token.Content);
            }

            _addedTokens[token.Content] = token;
            if (token.Normalized && _normalizer is not null)
            {
                string normalized = _normalizer.Normalize(token.Content);
                normalizedContents.Add(normalized);
                _addedTokens[normalized] = token;
            }
            else
            {
                rawContents.Add(token.Content);
            }
        }

        _rawSplitter = new AddedTokenSplitter(rawContents);
        _normalizedSplitter = new AddedTokenSplitter(normalizedContents);

        // The id the reference finally emits for a token string: added tokens first, then the vocabulary.
        int? Resolve(string token) =>
            _addedTokens.TryGetValue(token, out AddedToken? a) ? a.Id
            : _vocabulary.TryGetValue(token, out int id) ? id
            : modelUnknownId;

        _model = new BpeModel(model, _vocabulary, token => Resolve(token) ?? -1, tokenizerPath);
        _postProcessor = PostProcessor.Create(root.Get("post_processor"), Resolve, tokenizerPath);
        _decoder = TokenDecoder.Create(
            root.Get("decoder"), added.Select(t => t.Content).ToHashSet(StringComparer.Ordinal), tokenizerPath);

        if (config.Get("additional_special_tokens") is { ValueKind: JsonValueKind.Array } extra)
        {
            foreach (JsonElement item in extra.EnumerateArray())
            {
                if (item.ValueKind == JsonValueKind.String)
                {
                    _specialTokens.Add(item.GetString()!);
                }
            }
        }

        BosToken = ReadTokenText(config, "bos_token");
        EosToken = ReadTokenText(config, "eos_token");
        AddBosToken = config.GetBool("add_bos_token", false);
        AddEosToken = config.GetBool("add_eos_token", false);
        ChatTemplate = ReadChatTemplate(config);
        CleanUpTokenizationSpaces = config.GetBool("clean_up_tokenization_spaces", true);
    }

    /// <summary>
    /// Loads <c>tokenizer.json</c> from <paramref name="tokenizerJsonPath"/>, with the settings of
    /// <paramref name="tokenizerConfigPath"/> when given (otherwise defaults: no BOS/EOS, no chat template).
    /// Throws <see cref="NotSupportedException"/> naming the component type and file for anything not implemented.
    /// </summary>
    public static Tokenizer FromFile(string tokenizerJsonPath, string? tokenizerConfigPath = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(tokenizerJsonPath);
        using JsonDocument root = JsonDocument.Parse(File.ReadAllBytes(tokenizerJsonPath), s_jsonOptions);
        if (tokenizerConfigPath is null)
        {
            using JsonDocument empty = JsonDocument.Parse("{}");
            return new Tokenizer(root.RootElement, empty.RootElement, tokenizerJsonPath, "(no tokenizer_config.json)");
        }

        using JsonDocument config = JsonDocument.Parse(File.ReadAllBytes(tokenizerConfigPath), s_jsonOptions);
        return new Tokenizer(root.RootElement, config.RootElement, tokenizerJsonPath, tokenizerConfigPath);
    }

    /// <summary>
    /// Loads a Hugging Face model or tokenizer folder: <c>tokenizer.json</c>, and <c>tokenizer_config.json</c>
    /// when present.
    /// </summary>
    public static Tokenizer FromFolder(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        string configPath = Path.Combine(directory, "tokenizer_config.json");
        return FromFile(Path.Combine(directory, "tokenizer.json"), File.Exists(configPath) ? configPath : null);
    }

    private static List<AddedToken> ReadAddedTokens(JsonElement root)
    {
        var tokens = new List<AddedToken>();
        if (root.Get("added_tokens") is not { ValueKind: JsonValueKind.Array } list)
        {
            return tokens;
        }

        foreach (JsonElement item in list.EnumerateArray())
        {
            bool special = item.GetBool("special", false);
            tokens.Add(new AddedToken(
                item.GetString("content") ?? string.Empty,
                item.GetInt("id", -1),
                special,
                item.GetBool("lstrip", false),
                item.GetBool("rstrip", false),
                item.GetBool("normalized", !special)));
        }

        return tokens;
    }

    private static string? ReadTokenText(JsonElement config, string name)
    {
        // Written either as a plain string or as a serialized AddedToken object.
        JsonElement? value = config.Get(name);
        return value?.ValueKind switch
        {
            JsonValueKind.String => value.Value.GetString(),
            JsonValueKind.Object => value.Value.GetString("content"),
            _ => null,
        };
    }

    private static string? ReadChatTemplate(JsonElement config)
    {
        JsonElement? value = config.Get("chat_template");
        if (value is { ValueKind: JsonValueKind.String })
        {
            return value.Value.GetString();
        }

        if (value is not { ValueKind: JsonValueKind.Array } list)
        {
            return null;
        }

        // Newer configs list named templates; "default" is the one used without an explicit name.
        string? first = null;
        foreach (JsonElement item in list.EnumerateArray())
        {
            string? template = item.GetString("template");
            first ??= template;
            if (item.GetString("name") == "default")
            {
                return template;
            }
        }

        return first;
    }

    private static void ThrowIfUnsupportedConfig(JsonElement config, string configPath)
    {
        foreach (string option in (ReadOnlySpan<string>)["remove_space", "do_lowercase_and_remove_accent"])
        {
            if (config.GetBool(option, false))
            {
                throw new NotSupportedException($"Tokenizer option '{option}' in '{configPath}' is not supported.");
            }
        }
    }
}
