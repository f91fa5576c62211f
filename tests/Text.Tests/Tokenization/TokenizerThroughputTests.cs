using System.Diagnostics;
using System.Text;
using System.Text.Json;
using FineTune.Text.Tokenization;
using Xunit.Abstractions;

namespace FineTune.Text.Tests.Tokenization;

/// <summary>
/// Reports encoding speed on English text; it asserts no timing because shared CI machines are too noisy for that.
/// Debug builds run several times slower than Release.
/// </summary>
public sealed class TokenizerThroughputTests(ITestOutputHelper output)
{
    [Theory]
    [MemberData(nameof(TokenizerReference.All), MemberType = typeof(TokenizerReference))]
    public void Encode_AlpacaRecords_ReportsThroughput(string tokenizerPath)
    {
        Tokenizer tokenizer = Tokenizer.FromFolder(TokenizerReference.AssetPath(tokenizerPath));
        string[] records = AlpacaRecords();
        long bytes = records.Sum(r => (long)Encoding.UTF8.GetByteCount(r));

        var stopwatch = Stopwatch.StartNew();
        long tokens = records.Sum(r => (long)tokenizer.Encode(r).Length);
        stopwatch.Stop();

        output.WriteLine(
            $"{tokenizerPath}: {bytes / 1e6 / stopwatch.Elapsed.TotalSeconds:F1} MB/s, {tokens} tokens, {bytes} bytes (cold cache)");
        Assert.True(tokens > 0);
    }

    private static string[] AlpacaRecords()
    {
        string path = TokenizerReference.AssetPath("datasets/alpaca-en-demo/alpaca_en_demo.json");
        using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(path));
        return document.RootElement.EnumerateArray()
            .Select(r => $"{r.GetProperty("instruction").GetString()}\n{r.GetProperty("input").GetString()}\n\n"
                + r.GetProperty("output").GetString())
            .ToArray();
    }
}
