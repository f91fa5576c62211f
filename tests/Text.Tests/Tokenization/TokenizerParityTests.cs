using System.Text.Json;
using FineTune.Text.Tokenization;

namespace FineTune.Text.Tests.Tokenization;

/// <summary>
/// Id-for-id parity with <c>@huggingface/tokenizers@0.2.0</c> (run under node) for every shared tokenizer.
/// </summary>
public sealed class TokenizerParityTests
{
    [Theory]
    [MemberData(nameof(TokenizerReference.All), MemberType = typeof(TokenizerReference))]
    public void Encode_Corpus_MatchesReference(string tokenizerPath)
    {
        Tokenizer tokenizer = TokenizerReference.Load(tokenizerPath);
        IReadOnlyList<string> texts = TokenizerCorpus.Texts;

        int[][] expected = TokenizerReference.Encode(TokenizerReference.AssetPath(tokenizerPath), texts);

        AssertSameIds(texts, expected, texts.Select(t => tokenizer.Encode(t)).ToArray());
    }

    [Theory]
    [MemberData(nameof(TokenizerReference.All), MemberType = typeof(TokenizerReference))]
    public void Encode_CorpusWithoutSpecialTokens_MatchesReference(string tokenizerPath)
    {
        Tokenizer tokenizer = TokenizerReference.Load(tokenizerPath);
        IReadOnlyList<string> texts = TokenizerCorpus.Texts;

        int[][] expected = TokenizerReference.Encode(TokenizerReference.AssetPath(tokenizerPath), texts, addSpecialTokens: false);

        AssertSameIds(texts, expected, texts.Select(t => tokenizer.Encode(t, addSpecialTokens: false)).ToArray());
    }

    [Theory]
    [MemberData(nameof(TokenizerReference.All), MemberType = typeof(TokenizerReference))]
    public void Encode_AlpacaRecords_MatchesReference(string tokenizerPath)
    {
        Tokenizer tokenizer = TokenizerReference.Load(tokenizerPath);
        string[] texts = AlpacaTexts(200);

        int[][] expected = TokenizerReference.Encode(TokenizerReference.AssetPath(tokenizerPath), texts);

        AssertSameIds(texts, expected, texts.Select(t => tokenizer.Encode(t)).ToArray());
    }

    [Theory]
    [MemberData(nameof(TokenizerReference.All), MemberType = typeof(TokenizerReference))]
    public void Encode_RandomFragments_MatchesReference(string tokenizerPath)
    {
        Tokenizer tokenizer = TokenizerReference.Load(tokenizerPath);
        string[] texts = TokenizerCorpus.RandomTexts(count: 400, seed: 20240501, maxFragments: 40);

        int[][] expected = TokenizerReference.Encode(TokenizerReference.AssetPath(tokenizerPath), texts);

        AssertSameIds(texts, expected, texts.Select(t => tokenizer.Encode(t)).ToArray());
    }

    [Theory]
    [MemberData(nameof(TokenizerReference.All), MemberType = typeof(TokenizerReference))]
    public void Decode_CorpusIds_MatchesReference(string tokenizerPath)
    {
        Tokenizer tokenizer = TokenizerReference.Load(tokenizerPath);
        int[][] ids = TokenizerCorpus.Texts.Select(t => tokenizer.Encode(t)).ToArray();
        string directory = TokenizerReference.AssetPath(tokenizerPath);

        string[] expected = TokenizerReference.Decode(directory, ids);
        string[] expectedSkipped = TokenizerReference.Decode(directory, ids, skipSpecialTokens: true);

        for (int i = 0; i < ids.Length; i++)
        {
            Assert.Equal(expected[i], tokenizer.Decode(ids[i]));
            Assert.Equal(expectedSkipped[i], tokenizer.Decode(ids[i], skipSpecialTokens: true));
        }
    }

    [Theory]
    [MemberData(nameof(TokenizerReference.All), MemberType = typeof(TokenizerReference))]
    public void Decode_EncodedCorpus_RoundTripsWhereReferenceDoes(string tokenizerPath)
    {
        Tokenizer tokenizer = TokenizerReference.Load(tokenizerPath);
        IReadOnlyList<string> texts = TokenizerCorpus.Texts;
        int[][] ids = texts.Select(t => tokenizer.Encode(t, addSpecialTokens: false)).ToArray();

        string[] reference = TokenizerReference.Decode(TokenizerReference.AssetPath(tokenizerPath), ids);

        int roundTrips = 0;
        for (int i = 0; i < texts.Count; i++)
        {
            if (reference[i] == texts[i])
            {
                Assert.Equal(texts[i], tokenizer.Decode(ids[i]));
                roundTrips++;
            }
        }

        // Every tokenizer here reproduces at least plain English exactly.
        Assert.True(roundTrips > 0, "The reference round-tripped none of the corpus.");
    }

    private static void AssertSameIds(IReadOnlyList<string> texts, int[][] expected, int[][] actual)
    {
        Assert.Equal(texts.Count, expected.Length);
        for (int i = 0; i < texts.Count; i++)
        {
            if (!expected[i].AsSpan().SequenceEqual(actual[i]))
            {
                Assert.Fail(
                    $"Text #{i} {JsonSerializer.Serialize(texts[i])}:\n expected [{string.Join(',', expected[i])}]\n"
                    + $" actual   [{string.Join(',', actual[i])}]");
            }
        }
    }

    private static string[] AlpacaTexts(int count)
    {
        string path = TokenizerReference.AssetPath("datasets/alpaca-en-demo/alpaca_en_demo.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.EnumerateArray()
            .Take(count)
            .Select(r => $"{r.GetProperty("instruction").GetString()}\n{r.GetProperty("input").GetString()}\n\n"
                + r.GetProperty("output").GetString())
            .ToArray();
    }
}
