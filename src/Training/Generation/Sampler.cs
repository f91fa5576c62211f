using FineTune.Torch;

namespace FineTune.Training.Generation;

/// <summary>Chooses the next token from one position's logits (V).</summary>
public static class Sampler
{
    /// <summary>Greedy argmax, or a sample after temperature, top-k and top-p filtering.</summary>
    public static int Next(Tensor logits, GenerationOptions options, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(logits);
        ArgumentNullException.ThrowIfNull(options);
        using var scope = TensorScope.Begin();
        if (options.Greedy)
        {
            return (int)logits.argmax(0).itemInt64();
        }
        Tensor scaled = logits.div(options.Temperature);
        if (options.TopK > 0 && options.TopK < scaled.size(0))
        {
            Tensor kth = scaled.topk(options.TopK).values.select(0, options.TopK - 1);
            scaled = scaled.masked_fill(scaled.lt(kth), double.NegativeInfinity);
        }
        if (options.TopP < 1)
        {
            var (sorted, order) = scaled.sort(descending: true);
            Tensor probabilities = sorted.softmax(0);
            // Drop a token when the tokens ranked above it already reach p; the most likely token always stays.
            Tensor massAbove = probabilities.cumsum(0).sub(probabilities);
            Tensor dropSorted = massAbove.ge(options.TopP);
            // order maps sorted position -> token; sorting it gives the inverse, token -> sorted position.
            Tensor inverse = order.sort().indices;
            Tensor drop = dropSorted.index_select(0, inverse);
            scaled = scaled.masked_fill(drop, double.NegativeInfinity);
        }
        Tensor choice = torch.multinomial(scaled.softmax(0), 1, generator: generator);
        return (int)choice.itemInt64();
    }
}
