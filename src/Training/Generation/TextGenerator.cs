using System.Diagnostics;
using FineTune.Torch;
using FineTune.Training.Model;

namespace FineTune.Training.Generation;

/// <summary>
/// Autoregressive decoding: prefill the prompt, then one token per step through a KV cache (or by recomputing the
/// whole sequence, which must give the same tokens), choosing each token greedily or by temperature/top-k/top-p
/// sampling from a seeded generator. Token ids go to the model's device; the last position's logits come back to
/// the CPU, where a CPU generator samples, so a seed picks the same tokens on every device.
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
            Tensor last = NextLogits(model, sequence, cache).to(ScalarType.Float32, Device.CPU); // (V)
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

    /// <summary>
    /// Logits (V) of the position after <paramref name="sequence"/>, on the model's device. With a cache only the
    /// tokens it has not seen go in (and are then cached); without one the whole sequence is recomputed.
    /// </summary>
    public static Tensor NextLogits(Transformer model, IReadOnlyList<int> sequence, KvCache? cache)
    {
        ArgumentNullException.ThrowIfNull(model);
        ArgumentNullException.ThrowIfNull(sequence);
        using var scope = TensorScope.Begin();
        int fed = cache is null ? 0 : (int)cache.Length;
        long[] input = sequence.Skip(fed).Select(id => (long)id).ToArray();
        Tensor ids = torch.tensor(input, [1, input.Length]).to(model.Device);          // (1, T)
        Tensor logits = model.Forward(ids, cache);                                     // (1, T, V)
        return scope.MoveToOuter(logits.select(1, input.Length - 1).select(0, 0));    // (V)
    }
}
