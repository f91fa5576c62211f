using FineTune.Torch;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Train;

/// <summary>
/// The output head and cross-entropy together, a chunk of rows at a time, so the (N × V) fp32 logits and their
/// gradient are never whole in memory (at a 128k vocabulary and 8k tokens each is 4 GiB). Shapes: N rows (B·T
/// tokens), C hidden, V vocabulary, h the final-norm hidden states, W the head's weight.
/// </summary>
/// <remarks>
/// The head is frozen under LoRA, so the only gradient the step needs from the loss is the one into h:
/// dL/dh = (softmax(h Wᵀ) − onehot(target)) W, zero on ignored rows. Each chunk computes it with its loss while its
/// logits are at hand (no recompute, and the same two products autograd would run), and the returned loss carries
/// it into the autograd graph through the surrogate s − detach(s) with s = Σ h ⊙ dL/dh: zero in value, exactly
/// dL/dh in gradient. Per-sample gradients under DP flow through it unchanged, since row i's dL/dh depends on row i
/// alone.
/// </remarks>
public static class ChunkedCrossEntropy
{
    /// <summary>
    /// Σ over rows whose target is not <paramref name="ignoreIndex"/> of −log softmax(h Wᵀ)[target], as an fp32
    /// scalar; backward through it gives <paramref name="hidden"/> the gradient of the unchunked cross entropy.
    /// hidden (N, C) in the model's dtype, weight (V, C) frozen (no gradient is made for it), targets (N) int64.
    /// Logits are taken in the model's dtype and the softmax in fp32, as the unchunked path does.
    /// </summary>
    public static Tensor LossSum(Tensor hidden, Tensor weight, Tensor targets, long ignoreIndex, long chunkRows)
    {
        ArgumentNullException.ThrowIfNull(hidden);
        ArgumentNullException.ThrowIfNull(weight);
        ArgumentNullException.ThrowIfNull(targets);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkRows, 1);
        using var scope = TensorScope.Begin();
        long rows = hidden.size(0);
        long vocabulary = weight.size(0);
        bool needGradient = torch.is_grad_enabled() && hidden.requires_grad;
        Tensor lossSum = torch.zeros([], ScalarType.Float32, hidden.device);
        var gradients = new List<Tensor>();
        using (torch.no_grad())
        {
            Tensor h = hidden.detach();
            Tensor vocabularyIds = torch.arange(vocabulary, ScalarType.Int64, hidden.device).unsqueeze(0); // (1, V)
            for (long start = 0; start < rows; start += chunkRows)
            {
                using var chunkScope = TensorScope.Begin();
                long count = Math.Min(chunkRows, rows - start);
                Tensor target = targets.narrow(0, start, count);                                 // (n)
                Tensor ignored = target.eq(ignoreIndex);                                          // (n)
                Tensor safeTarget = target.masked_fill(ignored, 0).unsqueeze(1);                  // (n, 1)
                Tensor logProbs = F.linear(h.narrow(0, start, count), weight)
                    .to(ScalarType.Float32).log_softmax(-1);                                      // (n, V)
                Tensor targetLogProbs = logProbs.gather(1, safeTarget).squeeze(1).masked_fill(ignored, 0);
                lossSum.add_(targetLogProbs.sum(), alpha: -1);
                if (needGradient)
                {
                    // (softmax − onehot) W. In fp32 that is softmax·W − W[target], which spares a pass over the
                    // (n, V) block; in bf16/f16 the one-hot is subtracted in fp32 before the cast, so a target
                    // probability near 1 keeps its precision.
                    Tensor dHidden = hidden.dtype == ScalarType.Float32
                        ? logProbs.exp().matmul(weight).sub(F.embedding(safeTarget.squeeze(1), weight))
                        : logProbs.exp().sub(vocabularyIds.eq(safeTarget).to(ScalarType.Float32)).to(hidden.dtype).matmul(weight);
                    dHidden = dHidden.masked_fill(ignored.unsqueeze(1), 0);                       // (n, C)
                    gradients.Add(chunkScope.MoveToOuter(dHidden));
                }
            }
        }
        if (!needGradient)
        {
            return scope.MoveToOuter(lossSum);
        }
        Tensor gradient = gradients.Count == 1 ? gradients[0] : torch.cat(gradients, 0);       // (N, C)
        Tensor surrogate = hidden.mul(gradient).sum();
        return scope.MoveToOuter(surrogate.sub(surrogate.detach()).to(ScalarType.Float32).add(lossSum));
    }
}
