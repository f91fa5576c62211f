using System.Diagnostics;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Cli.Bench;

/// <summary>
/// Times LoRA training steps on random token rows (B × L, no packing) and relates the achieved model FLOP/s to the
/// fp32 GEMM throughput measured in the same run. Model FLOPs per token, with frozen base weights: 4·P (forward 2·P,
/// backward 2·P for input gradients only; LoRA's own terms are negligible) + 12·n_layer·L·d_attn (attention scores
/// and values, forward and backward, the full L×L products the composed attention computes), P = parameters of the
/// linear layers and the output head.
/// </summary>
internal static class TrainBenchmark
{
    public static TrainBenchmarkResult Run(string modelFolder, int batchSize, int sequenceLength, int steps, bool dp = false)
    {
        using Transformer model = TransformerLoader.Load(modelFolder);
        ModelConfig c = model.Config;
        using var generator = new Generator(0);
        using LoraModel lora = LoraModel.Attach(model, new LoraConfig { TargetModules = ["all-linear"], Dropout = 0 }, generator);
        var random = new Random(0);
        var examples = Enumerable.Range(0, batchSize * (steps + 2))
            .Select(_ =>
            {
                int[] ids = Enumerable.Range(0, sequenceLength).Select(_ => random.Next(c.VocabSize)).ToArray();
                return new TokenizedExample(ids, ids.Select((_, i) => i > 0).ToArray());
            })
            .ToList();
        var config = new TrainingConfig { MaxSteps = steps + 2, MicroBatchSize = batchSize, MaxSeqLength = sequenceLength, Packing = false, Lora = lora.Config };
        var (tokens, seconds) = TimeSteps(model, lora, examples, config, steps);
        double? dpTokensPerSecond = null;
        if (dp)
        {
            // Same model, rows and micro-batch; Poisson batches of expected size B, so tokens are counted as processed.
            var privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = batchSize, Delta = 1e-5, Seed = 0 };
            var (dpTokens, dpSeconds) = TimeSteps(model, lora, examples, config with { Privacy = privacy }, steps);
            dpTokensPerSecond = dpTokens / dpSeconds;
        }
        long linearParameters = model.Linears.Sum(l => l.Weight.numel()) + ((long)c.VocabSize * c.HiddenSize);
        double flopsPerToken = (4.0 * linearParameters) + (12.0 * c.NumLayers * sequenceLength * c.NumHeads * c.HeadDim);
        double modelGflops = flopsPerToken * tokens / seconds / 1e9;
        GemmResult gemm = OpsBenchmark.Gemm(1024, 1024, 1024, 5);
        return new TrainBenchmarkResult(
            model.ParameterCount,
            batchSize,
            sequenceLength,
            steps,
            tokens / seconds,
            seconds / steps * 1e3,
            PeakMemoryBytes(),
            modelGflops,
            gemm.Gflops,
            modelGflops / gemm.Gflops,
            dpTokensPerSecond);
    }

    private static (long Tokens, double Seconds) TimeSteps(Transformer model, LoraModel lora, List<TokenizedExample> examples, TrainingConfig config, int steps)
    {
        using var trainer = new Trainer(model, lora, examples, [], config, Device.CPU);
        trainer.Step();
        trainer.Step();
        long tokens = 0;
        long start = Stopwatch.GetTimestamp();
        for (int i = 0; i < steps; i++)
        {
            tokens += trainer.Step().Tokens;
        }
        return (tokens, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }

    /// <summary>Peak resident memory of this process (VmHWM), the CPU counterpart of CUDA's peak allocation.</summary>
    private static long PeakMemoryBytes()
    {
        string? line = File.Exists("/proc/self/status") ? File.ReadLines("/proc/self/status").FirstOrDefault(l => l.StartsWith("VmHWM:", StringComparison.Ordinal)) : null;
        return line is null ? 0 : long.Parse(line.Split(' ', StringSplitOptions.RemoveEmptyEntries)[1], System.Globalization.CultureInfo.InvariantCulture) * 1024;
    }
}

/// <summary>Figures printed by <c>finetune bench train</c>.</summary>
internal sealed record TrainBenchmarkResult(
    long Parameters,
    int BatchSize,
    int SequenceLength,
    int Steps,
    double TokensPerSecond,
    double StepMilliseconds,
    long PeakMemoryBytes,
    double ModelGflops,
    double GemmGflops,
    double ModelFlopsUtilization,
    double? DpTokensPerSecond)
{
    /// <summary>DP tokens/s over non-DP tokens/s on the same model and batch (target ≥ 0.8).</summary>
    public double? DpRelativeThroughput => DpTokensPerSecond / TokensPerSecond;
}
