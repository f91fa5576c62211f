using FineTune.Torch;

namespace FineTune.Training.Privacy.Sgd.PerSampleGrads;

/// <summary>
/// Per-sample gradients of one LoRA branch delta = s · h Bᵀ with h = x̃ Aᵀ, from what the forward pass saw and the
/// gradient of the loss at the branch output (opacus's <c>grad_sample/linear.py</c>, applied twice). No
/// per-example backward pass is needed: both results are batched contractions over the token axis.
/// </summary>
/// <remarks>
/// Shapes: b = rows of the batch (one record, or one entity's records), t = tokens (every middle axis flattened),
/// i = in features, r = rank, o = out features; s is the LoRA scaling.
/// grad_B[b] = s · Σ_t gOut[b, t]ᵀ h[b, t]            (o, r)
/// grad_A[b] = Σ_t (s · gOut[b, t] B)ᵀ x̃[b, t]         (r, i)
/// Each row's gradient depends on that row alone, so the loss must be a sum of per-row terms. With
/// <see cref="TokenSegments"/> (packed rows), b runs over the samples instead and t over each sample's own tokens.
/// </remarks>
public static class LoraLinearGrads
{
    /// <summary>
    /// Computes (grad_A (b, r, i), grad_B (b, o, r)) in float32, as new tensors the caller owns.
    /// </summary>
    /// <param name="droppedInput">x̃ (b, …, i): the adapter's input after dropout, exactly as A saw it.</param>
    /// <param name="low">h = x̃ Aᵀ (b, …, r).</param>
    /// <param name="outputGrad">∂loss/∂delta (b, …, o), the gradient at the (scaled) branch output.</param>
    /// <param name="b">The adapter's B (o, r) at forward time.</param>
    /// <param name="scaling">The LoRA scaling s.</param>
    /// <param name="segments">Where each sample lies when rows pack several; null when each row is one sample.</param>
    public static (Tensor GradA, Tensor GradB) Compute(Tensor droppedInput, Tensor low, Tensor outputGrad, Tensor b, double scaling, TokenSegments? segments = null)
    {
        ArgumentNullException.ThrowIfNull(droppedInput);
        ArgumentNullException.ThrowIfNull(low);
        ArgumentNullException.ThrowIfNull(outputGrad);
        ArgumentNullException.ThrowIfNull(b);
        long rows = droppedInput.size(0);
        long rank = b.size(1);
        long outFeatures = b.size(0);
        long inFeatures = droppedInput.size(-1);
        if (low.size(0) != rows || outputGrad.size(0) != rows)
        {
            throw new ArgumentException($"input, low and output gradient disagree on the batch size ({rows}, {low.size(0)}, {outputGrad.size(0)})", nameof(outputGrad));
        }
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        if (rows == 0)
        {
            // reshape(0, -1, …) is ambiguous, and an empty batch simply has no per-sample gradients.
            Tensor emptyA = torch.zeros([0, rank, inFeatures], ScalarType.Float32, b.device);
            Tensor emptyB = torch.zeros([0, outFeatures, rank], ScalarType.Float32, b.device);
            return (scope.MoveToOuter(emptyA), scope.MoveToOuter(emptyB));
        }
        if (segments is not null)
        {
            // Regrouped by sample: x and h gathered, g also zeroed at padding slots so they add nothing to either sum.
            (Tensor segmentA, Tensor segmentB) = Contract(segments.Gather(droppedInput), segments.Gather(low), segments.Gather(outputGrad).mul_(segments.Valid), b, scaling);
            return (scope.MoveToOuter(segmentA), scope.MoveToOuter(segmentB));
        }
        // float32 throughout: bf16 sums over thousands of tokens would lose the precision clipping relies on.
        Tensor x = droppedInput.to(ScalarType.Float32).reshape(rows, -1, inFeatures);   // (b, t, i)
        Tensor h = low.to(ScalarType.Float32).reshape(rows, -1, rank);                  // (b, t, r)
        Tensor g = outputGrad.to(ScalarType.Float32).reshape(rows, -1, outFeatures);    // (b, t, o)
        (Tensor gradA, Tensor gradB) = Contract(x, h, g, b, scaling);
        return (scope.MoveToOuter(gradA), scope.MoveToOuter(gradB));
    }

    /// <summary>
    /// Adds Σ_b w_b · grad_A[b] into <paramref name="sumA"/> (r, i) and Σ_b w_b · grad_B[b] into <paramref name="sumB"/>
    /// (o, r) without forming any per-sample gradient: each token's terms are weighted by its sample's weight, so the
    /// sums are one contraction over all tokens each, grad_B = s · gᵀ (w ⊙ h) and grad_A = (w ⊙ s · g B)ᵀ x̃. Only
    /// the r-wide factors are weighted, never the wide x̃ or g.
    /// </summary>
    /// <param name="droppedInput">x̃ (…, i), as <see cref="Compute"/> takes it.</param>
    /// <param name="low">h (…, r).</param>
    /// <param name="outputGrad">∂loss/∂delta (…, o).</param>
    /// <param name="b">The adapter's B (o, r) at forward time.</param>
    /// <param name="scaling">The LoRA scaling s.</param>
    /// <param name="tokenWeights">(N) float32: each token's sample weight (0 for tokens of no sample), N = the tokens of x̃.</param>
    /// <param name="sumA">(r, i) float32, added to in place.</param>
    /// <param name="sumB">(o, r) float32, added to in place.</param>
    public static void AddWeightedSum(Tensor droppedInput, Tensor low, Tensor outputGrad, Tensor b, double scaling, Tensor tokenWeights, Tensor sumA, Tensor sumB)
    {
        ArgumentNullException.ThrowIfNull(droppedInput);
        ArgumentNullException.ThrowIfNull(low);
        ArgumentNullException.ThrowIfNull(outputGrad);
        ArgumentNullException.ThrowIfNull(b);
        ArgumentNullException.ThrowIfNull(tokenWeights);
        ArgumentNullException.ThrowIfNull(sumA);
        ArgumentNullException.ThrowIfNull(sumB);
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        Tensor x = droppedInput.to(ScalarType.Float32).reshape(-1, droppedInput.size(-1));  // (N, i)
        Tensor h = low.to(ScalarType.Float32).reshape(-1, low.size(-1));                     // (N, r)
        Tensor g = outputGrad.to(ScalarType.Float32).reshape(-1, outputGrad.size(-1));       // (N, o)
        if (tokenWeights.numel() != x.size(0))
        {
            throw new ArgumentException($"{tokenWeights.numel()} token weights for {x.size(0)} tokens", nameof(tokenWeights));
        }
        Tensor w = tokenWeights.reshape(-1, 1);                                                 // (N, 1)
        sumB.add_(g.t().matmul(h.mul(w)), alpha: scaling);                                      // (o, r)
        Tensor lowGrad = g.matmul(b.to(ScalarType.Float32)).mul_(w).mul_(scaling);             // (N, r)
        sumA.add_(lowGrad.t().matmul(x));                                                       // (r, i)
    }

    // x (b, t, i), h (b, t, r), g (b, t, o), all float32.
    private static (Tensor GradA, Tensor GradB) Contract(Tensor x, Tensor h, Tensor g, Tensor b, double scaling)
    {
        Tensor gradB = torch.einsum("bto,btr->bor", g, h).mul_(scaling);                // (b, o, r)
        Tensor lowGrad = g.matmul(b.to(ScalarType.Float32)).mul_(scaling);              // (b, t, r) = ∂loss/∂h
        Tensor gradA = torch.einsum("btr,bti->bri", lowGrad, x);                        // (b, r, i)
        return (gradA, gradB);
    }
}
