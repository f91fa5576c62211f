using FineTune.Testing;
using FineTune.Text.Tokenization;
using FineTune.Training.Generation;
using FineTune.Training.Model;

namespace FineTune.Training.Tests.Model;

public class GenerationTests
{
    private static readonly string s_tinyStories = RepoPaths.Model("tinystories-656k");

    [Fact]
    public void Greedy_FromBos_TellsTheKnownCoherentStory()
    {
        using Transformer model = TransformerLoader.Load(s_tinyStories);
        Tokenizer tokenizer = Tokenizer.FromFolder(s_tinyStories);

        GenerationResult result = TextGenerator.Generate(model, [1], new GenerationOptions { Greedy = true, MaxNewTokens = 40 });
        string text = tokenizer.Decode(result.TokenIds.ToArray());

        // The numpy reference's greedy ids from BOS (../shared/assets/models/tinystories-656k/SOURCE.txt).
        Assert.Equal([147, 201, 282, 215, 286, 598, 1662, 356, 499, 826], result.TokenIds.Take(10));
        Assert.StartsWith("Once upon a time, there was a little girl named Lily.", text.TrimStart());
        Assert.True(result.TokensPerSecond > 0);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void KvCache_GivesTheSameTokensAsFullRecompute(bool greedy)
    {
        using Transformer model = TransformerLoader.Load(s_tinyStories);
        var options = new GenerationOptions { Greedy = greedy, MaxNewTokens = 30, Temperature = 0.9, TopK = 50, TopP = 0.95, Seed = 11 };

        GenerationResult cached = TextGenerator.Generate(model, [1, 147, 201], options);
        GenerationResult recomputed = TextGenerator.Generate(model, [1, 147, 201], options with { UseKvCache = false });

        Assert.Equal(recomputed.TokenIds, cached.TokenIds);
        Assert.Equal(30, cached.TokenIds.Count);
    }

    [Fact]
    public void Sampling_SameSeed_Repeats_DifferentSeed_Differs()
    {
        using Transformer model = TransformerLoader.Load(s_tinyStories);
        var options = new GenerationOptions { MaxNewTokens = 25, Temperature = 1.2, Seed = 5 };

        var first = TextGenerator.Generate(model, [1], options).TokenIds;
        var again = TextGenerator.Generate(model, [1], options).TokenIds;
        var other = TextGenerator.Generate(model, [1], options with { Seed = 6 }).TokenIds;

        Assert.Equal(first, again);
        Assert.NotEqual(first, other);
    }

    [Fact]
    public void Generate_StopsAtEos()
    {
        using Transformer model = TransformerLoader.Load(s_tinyStories);

        GenerationResult result = TextGenerator.Generate(model, [1], new GenerationOptions { Greedy = true, MaxNewTokens = 400 });

        Assert.True(result.StoppedAtEos);
        Assert.Equal(2, result.TokenIds[^1]);
        Assert.DoesNotContain(2, result.TokenIds.Take(result.TokenIds.Count - 1));
    }

    [Fact]
    public void Options_Invalid_AreRejectedNamingTheOption()
    {
        using Transformer model = TransformerLoader.Load(s_tinyStories);

        var error = Assert.Throws<ArgumentOutOfRangeException>(() => TextGenerator.Generate(model, [1], new GenerationOptions { TopP = 0 }));
        Assert.Equal("TopP", error.ParamName);
        Assert.Throws<ArgumentException>(() => TextGenerator.Generate(model, [], new GenerationOptions()));
    }
}
