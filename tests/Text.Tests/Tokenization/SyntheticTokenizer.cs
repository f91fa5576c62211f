using System.Text.Json.Nodes;

namespace FineTune.Text.Tests.Tokenization;

/// <summary>
/// A small hand-built <c>tokenizer.json</c> that uses components the shared files do not (lstrip/rstrip and
/// normalized added tokens, regex Replace, Split "Removed", Metaspace), written to a temporary folder.
/// </summary>
internal sealed class SyntheticTokenizer : IDisposable
{
    private readonly DirectoryInfo _directory = System.IO.Directory.CreateTempSubdirectory("finetune-tokenizer-");

    public SyntheticTokenizer(JsonNode tokenizer, JsonNode? config = null)
    {
        File.WriteAllText(Path.Combine(Directory, "tokenizer.json"), tokenizer.ToJsonString());
        if (config is not null)
        {
            File.WriteAllText(Path.Combine(Directory, "tokenizer_config.json"), config.ToJsonString());
        }
    }

    public string Directory => _directory.FullName;

    public string TokenizerPath => Path.Combine(Directory, "tokenizer.json");

    /// <summary>A SentencePiece-flavoured BPE over a-z plus a few merges; <paramref name="arrayMerges"/> picks the merge form.</summary>
    public static JsonObject Build(bool arrayMerges)
    {
        var vocab = new JsonObject { ["<unk>"] = 0, ["[L]"] = 1, ["[R]"] = 2 };
        string[] pieces =
        [
            "\u2581", "#", "<0xC3>", "<0xA9>", "h", "e", "l", "o", "w", "r", "d", "a", "b", "c", "n", "t", "s",
            "he", "ll", "hell", "hello", "\u2581w", "or", "\u2581wor", "ld", "\u2581world", "\u2581a", "\u2581t", "\u2581h",
        ];
        foreach (string piece in pieces)
        {
            vocab[piece] = vocab.Count;
        }

        (string Left, string Right)[] merges =
        [
            ("h", "e"), ("l", "l"), ("he", "ll"), ("hell", "o"), ("\u2581", "w"), ("o", "r"), ("\u2581w", "or"),
            ("l", "d"), ("\u2581wor", "ld"), ("\u2581", "a"), ("\u2581", "t"), ("\u2581", "h"),
        ];
        var mergeArray = new JsonArray();
        foreach ((string left, string right) in merges)
        {
            mergeArray.Add(arrayMerges ? new JsonArray(left, right) : JsonValue.Create($"{left} {right}"));
        }

        return new JsonObject
        {
            ["version"] = "1.0",
            ["added_tokens"] = new JsonArray(
                AddedToken(0, "<unk>", special: true, normalized: false),
                AddedToken(1, "[L]", special: true, normalized: false, lstrip: true),
                AddedToken(2, "[R]", special: true, normalized: false, rstrip: true),
                AddedToken(vocab.Count, "hello", special: false, normalized: true)),
            ["normalizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["normalizers"] = new JsonArray(
                    new JsonObject { ["type"] = "NFKC" },
                    new JsonObject { ["type"] = "Lowercase" },
                    new JsonObject { ["type"] = "Replace", ["pattern"] = new JsonObject { ["Regex"] = "\\d+" }, ["content"] = "#" }),
            },
            ["pre_tokenizer"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["pretokenizers"] = new JsonArray(
                    new JsonObject
                    {
                        ["type"] = "Split",
                        ["pattern"] = new JsonObject { ["Regex"] = "-+" },
                        ["behavior"] = "Removed",
                        ["invert"] = false,
                    },
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581", ["prepend_scheme"] = "first" }),
            },
            ["post_processor"] = new JsonObject
            {
                ["type"] = "TemplateProcessing",
                ["single"] = new JsonArray(
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "[L]", ["type_id"] = 0 } },
                    new JsonObject { ["Sequence"] = new JsonObject { ["id"] = "A", ["type_id"] = 0 } },
                    new JsonObject { ["SpecialToken"] = new JsonObject { ["id"] = "[R]", ["type_id"] = 0 } }),
            },
            ["decoder"] = new JsonObject
            {
                ["type"] = "Sequence",
                ["decoders"] = new JsonArray(
                    new JsonObject { ["type"] = "Metaspace", ["replacement"] = "\u2581" },
                    new JsonObject { ["type"] = "ByteFallback" },
                    new JsonObject { ["type"] = "Fuse" }),
            },
            ["model"] = new JsonObject
            {
                ["type"] = "BPE",
                ["unk_token"] = "<unk>",
                ["fuse_unk"] = true,
                ["byte_fallback"] = true,
                ["vocab"] = vocab,
                ["merges"] = mergeArray,
            },
        };
    }

    public void Dispose() => _directory.Delete(recursive: true);

    private static JsonObject AddedToken(int id, string content, bool special, bool normalized, bool lstrip = false,
        bool rstrip = false)
    {
        return new JsonObject
        {
            ["id"] = id,
            ["content"] = content,
            ["single_word"] = false,
            ["lstrip"] = lstrip,
            ["rstrip"] = rstrip,
            ["normalized"] = normalized,
            ["special"] = special,
        };
    }
}
