namespace FineTune.Torch;

/// <summary>
/// scaled_dot_product_attention from basic ops, for libtorch 1.13 which lacks the fused op. Matches PyTorch's
/// documented reference: the causal mask is lower-triangular aligned to the top-left corner, a bool mask keeps
/// true positions, a float mask is added to the scores.
/// </summary>
/// <remarks>
/// Causal self-attention over long sequences runs in query blocks (<see cref="CausalBlockRows"/> rows): block i
/// scores its rows against keys 0 … its last row only, so the products, the softmax and the probabilities autograd
/// keeps cover about half of the T×T square instead of all of it. The result is the same math; only masked-out
/// terms (exactly zero after the softmax) are skipped.
/// </remarks>
internal static class ComposedAttention
{
    /// <summary>Query rows per block of causal self-attention; shorter sequences run whole.</summary>
    public const long CausalBlockRows = 256;

    public static Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? attnMask, double dropoutP, bool isCausal)
    {
        using var scope = TensorScope.Begin();
        long queryLength = query.size(-2);
        long keyLength = key.size(-2);
        // Scaling q (…, L, d) is cheaper than scaling the (…, L, S) scores, and the same product.
        Tensor scaled = query.mul(1.0 / Math.Sqrt(query.size(-1)));
        if (isCausal && attnMask is null && dropoutP == 0 && queryLength == keyLength && queryLength > CausalBlockRows)
        {
            return scope.MoveToOuter(CausalInBlocks(scaled, key, value));
        }
        Tensor scores = scaled.matmul(key.transpose(-2, -1)); // (…, L, S)
        if (isCausal)
        {
            Tensor keep = torch.ones([queryLength, keyLength], ScalarType.Bool, query.device).tril(); // (L, S)
            scores = scores.masked_fill(keep.logical_not(), double.NegativeInfinity);
        }
        if (attnMask is not null)
        {
            scores = attnMask.dtype == ScalarType.Bool
                ? scores.masked_fill(attnMask.logical_not(), double.NegativeInfinity)
                : scores.add(attnMask);
        }
        Tensor weights = scores.softmax(-1);
        if (dropoutP > 0)
        {
            weights = torch.nn.functional.dropout(weights, dropoutP, training: true);
        }
        return scope.MoveToOuter(weights.matmul(value)); // (…, L, d)
    }

    // Rows [start, end) of causal self-attention attend to keys [0, end); only the block's own square needs a mask.
    private static Tensor CausalInBlocks(Tensor scaledQuery, Tensor key, Tensor value)
    {
        long length = scaledQuery.size(-2);
        var outputs = new List<Tensor>();
        for (long start = 0; start < length; start += CausalBlockRows)
        {
            long rows = Math.Min(CausalBlockRows, length - start);
            long end = start + rows;
            Tensor scores = scaledQuery.narrow(-2, start, rows).matmul(key.narrow(-2, 0, end).transpose(-2, -1)); // (…, rows, end)
            // Row r (position start + r) keeps keys 0 … start + r.
            Tensor keep = torch.ones([rows, end], ScalarType.Bool, scaledQuery.device).tril(start);
            Tensor weights = scores.masked_fill(keep.logical_not(), double.NegativeInfinity).softmax(-1);
            outputs.Add(weights.matmul(value.narrow(-2, 0, end)));                                         // (…, rows, d)
        }
        return torch.cat(outputs, -2);
    }
}
