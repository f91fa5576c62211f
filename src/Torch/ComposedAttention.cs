namespace FineTune.Torch;

/// <summary>
/// scaled_dot_product_attention from basic ops, for libtorch 1.13 which lacks the fused op, and wherever 2.x's kernel
/// does not run (<see cref="AttentionKernel"/>: the meta device, a CPU with a multi-threaded OpenBLAS). Matches PyTorch's
/// documented reference: the causal mask is lower-triangular aligned to the top-left corner, a bool mask keeps
/// true positions, a float mask is added to the scores, and with enable_gqa each key/value head serves
/// q's heads / k's heads consecutive query heads.
/// </summary>
/// <remarks>
/// Causal self-attention over long sequences runs in query blocks (<see cref="CausalBlockRows"/> rows): block i
/// scores its rows against keys 0 … its last row only, so the products, the softmax and the probabilities autograd
/// keeps cover about half of the T×T square instead of all of it. The result is the same math; only masked-out
/// terms (exactly zero after the softmax) are skipped. Grouped-query heads are not repeated: q is viewed as
/// (…, h_kv, g·L, d), so the g query heads of a group meet their one key/value head in a single product.
/// </remarks>
internal static class ComposedAttention
{
    /// <summary>Query rows per block of causal self-attention; shorter sequences run whole.</summary>
    public const long CausalBlockRows = 256;

    public static Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? attnMask, double dropoutP, bool isCausal, bool enableGqa = false)
    {
        if (query.dim() < 3)
        {
            // (L, d): one head; the grouped layout below needs a head dimension.
            using var single = TensorScope.Begin();
            Tensor output = Forward(query.unsqueeze(0), key.unsqueeze(0), value.unsqueeze(0), attnMask, dropoutP, isCausal, enableGqa);
            return single.MoveToOuter(output.squeeze(0));
        }
        using var scope = TensorScope.Begin();
        long groups = enableGqa ? QueryHeadsPerKeyHead(query, key, value) : 1;
        if (groups > 1 && attnMask is not null)
        {
            // A mask is laid out per query head; repeat k and v to meet it (SDPA's reference does the same).
            key = key.repeat_interleave(groups, -3);
            value = value.repeat_interleave(groups, -3);
            groups = 1;
        }
        long[] shape = query.shape;                                   // (…, h, L, d)
        long[] batch = shape[..^3];
        long heads = shape[^3], queryLength = shape[^2], headSize = shape[^1];
        long keyHeads = heads / groups;                              // h/g: k's heads, or q's where k broadcasts
        long keyLength = key.size(-2);
        bool inBlocks = isCausal && attnMask is null && dropoutP == 0 && queryLength == keyLength && queryLength > CausalBlockRows;
        long blockRows = inBlocks ? CausalBlockRows : queryLength;
        // Scaling q (…, L, d) is cheaper than scaling the (…, L, S) scores, and the same product.
        Tensor grouped = query.mul(1.0 / Math.Sqrt(headSize)).reshape([.. batch, keyHeads, groups, queryLength, headSize]);
        var outputs = new List<Tensor>();
        for (long start = 0; start < queryLength; start += blockRows)
        {
            long rows = Math.Min(blockRows, queryLength - start);
            // Rows [start, start + rows) of causal self-attention in blocks attend to keys [0, start + rows) only.
            long keys = inBlocks ? start + rows : keyLength;
            Tensor rowQueries = grouped.narrow(-2, start, rows).reshape([.. batch, keyHeads, groups * rows, headSize]);
            Tensor scores = rowQueries.matmul(key.narrow(-2, 0, keys).transpose(-2, -1));                  // (…, h/g, g·rows, keys)
            if (isCausal)
            {
                // Row r (position start + r) keeps keys 0 … start + r, in each of the group's query heads.
                Tensor keep = torch.ones([rows, keys], ScalarType.Bool, query.device).tril(start);           // (rows, keys)
                scores = scores.view([.. batch, keyHeads, groups, rows, keys])
                    .masked_fill(keep.logical_not(), double.NegativeInfinity)
                    .view([.. batch, keyHeads, groups * rows, keys]);
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
            Tensor output = weights.matmul(value.narrow(-2, 0, keys));                                        // (…, h/g, g·rows, d)
            outputs.Add(output.view([.. batch, keyHeads, groups, rows, headSize]));
        }
        Tensor all = outputs.Count == 1 ? outputs[0] : torch.cat(outputs, -2);                                 // (…, h/g, g, L, d)
        return scope.MoveToOuter(all.reshape(shape));                                                          // (…, h, L, d)
    }

    // g = q's heads / k's heads, checked as libtorch checks enable_gqa.
    private static long QueryHeadsPerKeyHead(Tensor query, Tensor key, Tensor value)
    {
        long queryHeads = query.size(-3), keyHeads = key.size(-3);
        if (keyHeads != value.size(-3) || queryHeads % keyHeads != 0)
        {
            throw new ArgumentException($"grouped-query attention needs key and value heads ({keyHeads}, {value.size(-3)}) equal and dividing the query heads ({queryHeads})", nameof(key));
        }
        return queryHeads / keyHeads;
    }
}
