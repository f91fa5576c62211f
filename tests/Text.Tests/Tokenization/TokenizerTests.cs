using System.Text.Json.Nodes;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Tokenization;

public sealed class TokenizerTests
{
    private static readonly string[] s_syntheticTexts =
    [
        string.Empty,
        "hello world",
        "Hello World 42 and 7",
        "a [L] b [R] c",
        "  [L]   [R]  ",
        "hello-world--hello",
        "caf\u00E9 \u00FC\u00FC\u00FC zzz",
        "\uFF48\uFF45\uFF4C\uFF4C\uFF4F wide",
        "xhello hellox",
    ];

    [Fact]
    public void Encode_SyntheticComponents_MatchesReference()
    {
        using var synthetic = new SyntheticTokenizer(SyntheticTokenizer.Build(arrayMerges: false));
        Tokenizer tokenizer = Tokenizer.FromFolder(synthetic.Directory);

        int[][] expected = TokenizerReference.Encode(synthetic.Directory, s_syntheticTexts);

        for (int i = 0; i < s_syntheticTexts.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Encode(s_syntheticTexts[i]));
        }
    }

    [Fact]
    public void Decode_SyntheticComponents_MatchesReference()
    {
        using var synthetic = new SyntheticTokenizer(SyntheticTokenizer.Build(arrayMerges: false));
        Tokenizer tokenizer = Tokenizer.FromFolder(synthetic.Directory);
        int[][] ids = s_syntheticTexts.Select(t => tokenizer.Encode(t)).ToArray();

        string[] expected = TokenizerReference.Decode(synthetic.Directory, ids);
        string[] expectedSkipped = TokenizerReference.Decode(synthetic.Directory, ids, skipSpecialTokens: true);

        for (int i = 0; i < ids.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Decode(ids[i]));
            Assert.Equal(expectedSkipped[i], tokenizer.Decode(ids[i], skipSpecialTokens: true));
        }
    }

    [Fact]
    public void Encode_OnigurumaRegexFeatures_MatchesReference()
    {
        // GPT-2's files with a Split pattern using what the translator rewrites: ASCII-only (?i:), line anchors,
        // stacked X{2}+, possessive ++ and '.' over astral code points.
        string gpt2 = File.ReadAllText(TokenizerReference.AssetPath("tokenizers/gpt2/tokenizer.json"));
        JsonNode json = JsonNode.Parse(gpt2)!;
        json["pre_tokenizer"] = new JsonObject
        {
            ["type"] = "Sequence",
            ["pretokenizers"] = new JsonArray(
                new JsonObject
                {
                    ["type"] = "Split",
                    ["pattern"] = new JsonObject { ["Regex"] = "(?i:'s|'t|hello)|^ +|\\p{N}{2}+|[a-z]++|\\s+(?!\\S)|\\s+|." },
                    ["behavior"] = "Isolated",
                    ["invert"] = false,
                },
                new JsonObject { ["type"] = "ByteLevel", ["add_prefix_space"] = false, ["use_regex"] = false }),
        };
        using var synthetic = new SyntheticTokenizer(json);
        Tokenizer tokenizer = Tokenizer.FromFolder(synthetic.Directory);
        string[] texts = [.. TokenizerCorpus.Texts, .. TokenizerCorpus.RandomTexts(count: 200, seed: 7, maxFragments: 30)];

        int[][] expected = TokenizerReference.Encode(synthetic.Directory, texts);

        for (int i = 0; i < texts.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Encode(texts[i]));
        }
    }

    [Fact]
    public void Encode_ConcurrentCallers_MatchSequentialResults()
    {
        // Two instances, so the concurrent run starts with a cold word cache and races on filling it.
        string directory = TokenizerReference.AssetPath("tokenizers/mistral");
        Tokenizer sequentialTokenizer = Tokenizer.FromFolder(directory);
        Tokenizer parallelTokenizer = Tokenizer.FromFolder(directory);
        string[] texts = TokenizerCorpus.RandomTexts(count: 400, seed: 11, maxFragments: 60);
        int[][] sequential = texts.Select(t => sequentialTokenizer.Encode(t)).ToArray();

        int[][] parallel = new int[texts.Length][];
        var options = new ParallelOptions { MaxDegreeOfParallelism = 4 };
        Parallel.For(0, texts.Length, options, i => parallel[i] = parallelTokenizer.Encode(texts[i]));

        Assert.Equal(sequential, parallel);
    }

    [Fact]
    public void Encode_StringAndArrayMergeForms_GiveSameIds()
    {
        using var stringForm = new SyntheticTokenizer(SyntheticTokenizer.Build(arrayMerges: false));
        using var arrayForm = new SyntheticTokenizer(SyntheticTokenizer.Build(arrayMerges: true));
        Tokenizer fromStrings = Tokenizer.FromFile(stringForm.TokenizerPath);
        Tokenizer fromArrays = Tokenizer.FromFile(arrayForm.TokenizerPath);

        int[] ids = fromStrings.Encode("the world wore a hat");

        Assert.Equal(ids, fromArrays.Encode("the world wore a hat"));
        Assert.Contains(fromStrings.TokenToId("\u2581world")!.Value, ids);
    }

    [Fact]
    public void FromFile_UnsupportedModelType_ThrowsNamingTypeAndFile()
    {
        JsonObject json = SyntheticTokenizer.Build(arrayMerges: false);
        json["model"]!["type"] = "Unigram";
        using var synthetic = new SyntheticTokenizer(json);

        var error = Assert.Throws<NotSupportedException>(() => Tokenizer.FromFile(synthetic.TokenizerPath));

        Assert.Contains("Unigram", error.Message, StringComparison.Ordinal);
        Assert.Contains(synthetic.TokenizerPath, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("normalizer", "BertNormalizer")]
    [InlineData("pre_tokenizer", "Whitespace")]
    [InlineData("post_processor", "RobertaProcessing")]
    [InlineData("decoder", "WordPiece")]
    public void FromFile_UnsupportedComponent_ThrowsNamingTypeAndFile(string component, string type)
    {
        JsonObject json = SyntheticTokenizer.Build(arrayMerges: false);
        json[component] = new JsonObject { ["type"] = type };
        using var synthetic = new SyntheticTokenizer(json);

        var error = Assert.Throws<NotSupportedException>(() => Tokenizer.FromFile(synthetic.TokenizerPath));

        Assert.Contains($"'{type}'", error.Message, StringComparison.Ordinal);
        Assert.Contains(synthetic.TokenizerPath, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFolder_MistralConfig_ReadsSpecialTokensAndChatTemplate()
    {
        Tokenizer tokenizer = TokenizerReference.Load("tokenizers/mistral");

        Assert.Equal(32002, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosTokenId);
        Assert.Equal(32000, tokenizer.EosTokenId);
        Assert.False(tokenizer.AddBosToken);
        Assert.StartsWith("{% for message in messages %}", tokenizer.ChatTemplate, StringComparison.Ordinal);
    }

    [Fact]
    public void FromFolder_Qwen3Config_HasNoBosToken()
    {
        Tokenizer tokenizer = TokenizerReference.Load("tokenizers/qwen3");

        Assert.Null(tokenizer.BosTokenId);
        Assert.Equal(tokenizer.TokenToId("<|im_end|>"), tokenizer.EosTokenId);
        Assert.NotNull(tokenizer.ChatTemplate);
    }

    [Fact]
    public void FromFile_WithoutConfig_HasNoBosEosOrTemplate()
    {
        Tokenizer tokenizer = Tokenizer.FromFile(TokenizerReference.AssetPath("tokenizers/gpt2/tokenizer.json"));

        Assert.Null(tokenizer.BosTokenId);
        Assert.Null(tokenizer.EosTokenId);
        Assert.Null(tokenizer.ChatTemplate);
    }

    [Fact]
    public void TokenToId_SpecialToken_RoundTripsThroughIdToToken()
    {
        Tokenizer tokenizer = TokenizerReference.Load("tokenizers/gpt2");

        int? id = tokenizer.TokenToId("<|endoftext|>");

        Assert.Equal(50256, id);
        Assert.Equal("<|endoftext|>", tokenizer.IdToToken(50256));
        Assert.True(tokenizer.IsSpecialToken(50256));
        Assert.Null(tokenizer.IdToToken(tokenizer.VocabSize));
    }

    [Fact]
    public void Decode_IdOutsideVocabularyWithoutUnknownToken_Throws()
    {
        Tokenizer tokenizer = TokenizerReference.Load("tokenizers/gpt2");

        Assert.Throws<ArgumentOutOfRangeException>(() => tokenizer.Decode([15496, tokenizer.VocabSize]));
    }

    // Published ids (see each asset's SOURCE.txt); these hold without node.
    [Theory]
    [InlineData("tokenizers/gpt2", " The quick brown fox jumps over the lazy dog.", new[] { 383, 2068, 7586, 21831, 18045, 625, 262, 16931, 3290, 13 })]
    [InlineData("tokenizers/llama3", "Once upon a time, there was a little girl named Lily.", new[] { 12805, 5304, 264, 892, 11, 1070, 574, 264, 2697, 3828, 7086, 48390, 13 })]
    [InlineData("tokenizers/qwen3", " 12345", new[] { 220, 16, 17, 18, 19, 20 })]
    [InlineData("tokenizers/mistral", "Hello world", new[] { 22557, 1526 })]
    [InlineData("models/tinystories-656k", "Once upon", new[] { 1, 80, 147, 201 })]
    public void Encode_KnownText_GivesPublishedIds(string tokenizerPath, string text, int[] expected)
    {
        Tokenizer tokenizer = TokenizerReference.Load(tokenizerPath);

        int[] ids = tokenizer.Encode(text);

        Assert.Equal(expected, ids.Take(expected.Length));
    }
}
