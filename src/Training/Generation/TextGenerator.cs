using System.Diagnostics;
using FineTune.Torch;
using FineTune.Training.Model;

namespace FineTune.Training.Generation;

/// <summary>
/// Autoregressive decoding: prefill the prompt, then one token per step through a KV cache (or by recomputing the
/// whole sequence, which must give the same tokens), choosing each token greedily or by temperature/top-k/top-p
/// sampling from a seeded generator.
/// </summary>
public static class TextGenerator
{
    /// <summary>Continues <paramref name="promptIds"/> (at least one id, e.g. BOS alone).</summary>
    public static GenerationResult Generate(Transformer model, IReadOnlyList<int> promptIds, GenerationOptions options)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(promptIds);
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        if (promptIds.Count == 0)
        {
            throw new ArgumentException("the prompt needs at least one token (start from BOS for an empty prompt)", nameof(promptIds));
        }
        IReadOnlyList<int> stops = options.StopTokenIds ?? model.Config.EosTokenIds;
        var sequence = new List<int>(promptIds);
        var generated = new List<int>();
        long start = Stopwatch.GetTimestamp();
        using var noGrad = torch.no_grad();
        using var generator = new Generator(options.Seed);
        using KvCache? cache = options.UseKvCache ? new KvCache(model.Config.NumLayers) : null;
        bool stopped = false;
        while (generated.Count < options.MaxNewTokens && sequence.Count < model.Config.MaxPositionEmbeddings)
        {
            using var scope = TensorScope.Begin();
            // With a cache only the tokens it has not seen go in; without one the whole sequence is recomputed.
            int fed = cache is null ? 0 : (int)cache.Length;
            long[] input = sequence.Skip(fed).Select(id => (long)id).ToArray();
            Tensor logits = model.Forward(torch.tensor(input, [1, input.Length]), cache);   // (1, T, V)
            Tensor last = logits.select(1, input.Length - 1).select(0, 0).to(ScalarType.Float32); // (V)
            int next = Sampler.Next(last, options, generator);
            sequence.Add(next);
            generated.Add(next);
            if (stops.Contains(next))
            {
                stopped = true;
                break;
            }
        }
        return new GenerationResult(generated, stopped, Stopwatch.GetElapsedTime(start).TotalSeconds);
    }
}
