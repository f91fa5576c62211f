namespace FineTune.Torch;

/// <summary>
/// scaled_dot_product_attention from basic ops, for libtorch 1.13 which lacks the fused op. Matches PyTorch's
/// documented reference: the causal mask is lower-triangular aligned to the top-left corner, a bool mask keeps
/// true positions, a float mask is added to the scores.
/// </summary>
internal static class ComposedAttention
{
    public static Tensor Forward(Tensor query, Tensor key, Tensor value, Tensor? attnMask, double dropoutP, bool isCausal)
    {
        using var scope = TensorScope.Begin();
        long headSize = query.size(-1);
        long queryLength = query.size(-2);
        long keyLength = key.size(-2);
        Tensor keyT = key.transpose(-2, -1);                         // (..., d, S)
        Tensor scores = query.matmul(keyT).mul(1.0 / Math.Sqrt(headSize)); // (..., L, S)
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
        return scope.MoveToOuter(weights.matmul(value)); // (..., L, d)
    }
}
