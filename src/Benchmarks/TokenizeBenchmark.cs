using System.Diagnostics;
using System.Text;
using FineTune.Text.Tokenization;

namespace FineTune.Benchmarks;

/// <summary>
/// Encoding throughput of a tokenizer on English text on one thread: the best of several passes over the text, after
/// a warm-up pass (whose word cache the timed passes then use), and a cold first pass on a fresh tokenizer.
/// </summary>
internal static class TokenizeBenchmark
{
    public static TokenizeBenchmarkResult Run(string tokenizerFolder, string text, int repeats)
    {
        int bytes = Encoding.UTF8.GetByteCount(text);
        Tokenizer fresh = Tokenizer.FromFolder(tokenizerFolder);
        long start = Stopwatch.GetTimestamp();
        int tokens = fresh.Encode(text).Length;
        double cold = Stopwatch.GetElapsedTime(start).TotalSeconds;
        double best = double.MaxValue;
        for (int r = 0; r < repeats; r++)
        {
            start = Stopwatch.GetTimestamp();
            fresh.Encode(text);
            best = Math.Min(best, Stopwatch.GetElapsedTime(start).TotalSeconds);
        }
        return new TokenizeBenchmarkResult(bytes, tokens, bytes / cold / 1e6, bytes / best / 1e6);
    }
}

/// <summary>Figures printed by <c>finetune bench tokenize</c>.</summary>
internal sealed record TokenizeBenchmarkResult(int Bytes, int Tokens, double ColdMegabytesPerSecond, double WarmMegabytesPerSecond);
