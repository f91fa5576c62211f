using System.Text;
using FineTune.Testing;
using FineTune.Text.Tokenization;

namespace FineTune.Benchmarks.Tests;

public sealed class TokenizeBenchmarkTests
{
    [Fact]
    public void Run_CountsTheTokensAndBytesOfTheTextAndMeasuresPositiveThroughput()
    {
        string folder = RepoPaths.Asset("tokenizers/gpt2");
        string text = string.Join('\n', Enumerable.Repeat("The quick brown fox jumps over the lazy dog, naïvely.", 200));

        TokenizeBenchmarkResult result = TokenizeBenchmark.Run(folder, text, repeats: 2);

        Assert.Equal(Encoding.UTF8.GetByteCount(text), result.Bytes);
        Assert.Equal(Tokenizer.FromFolder(folder).Encode(text).Length, result.Tokens);
        Assert.True(double.IsFinite(result.ColdMegabytesPerSecond) && result.ColdMegabytesPerSecond > 0, $"cold {result.ColdMegabytesPerSecond}");
        Assert.True(double.IsFinite(result.WarmMegabytesPerSecond) && result.WarmMegabytesPerSecond > 0, $"warm {result.WarmMegabytesPerSecond}");
    }
}
