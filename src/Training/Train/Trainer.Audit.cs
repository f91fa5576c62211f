using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Privacy.Audit;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Train;

/// <summary>
/// The empirical privacy audit of a run (docs/privacy.md): every canary, trained on or not, is scored by how much its
/// loss dropped between the model the run started from and the trained one, and <see cref="MembershipGuess"/> turns
/// the ranking into an ε lower bound. The scores and coins stay in memory.
/// </summary>
public sealed partial class Trainer
{
    /// <summary>Each canary's loss under the initial model, taken before the first step (or the checkpoint's load).</summary>
    private void ScoreCanariesBeforeTraining()
    {
        if (_canaries is not null)
        {
            _canaryReferenceLosses = CanaryLosses();
        }
    }

    private AuditReport? Audit()
    {
        if (_canaries is null || _canaryReferenceLosses is null)
        {
            return null;
        }
        double[] trained = CanaryLosses();
        double[] drops = trained.Select((loss, i) => _canaryReferenceLosses[i] - loss).ToArray();
        return MembershipGuess.Evaluate(drops, _canaries.Included, _config.Audit!.CanaryLength);
    }

    /// <summary>Mean loss per predicted token of every canary, without dropout or gradients.</summary>
    private double[] CanaryLosses()
    {
        IReadOnlyList<TokenizedExample> canaries = _canaries!.Canaries;
        var losses = new List<double>(canaries.Count);
        _lora.SetTraining(false);
        try
        {
            using var noGrad = torch.no_grad();
            foreach (TokenizedExample[] chunk in canaries.Chunk(Math.Max(1, _microBatchSize)))
            {
                using var scope = TensorScope.Begin();
                using PackedBatch batch = PackedBatch.Build(chunk.Select(e => (IReadOnlyList<TokenizedExample>)[e]).ToList(), _config.MaxSeqLength, _device);
                Tensor logits = _model.Forward(batch.InputIds, packing: batch.Packing);
                Tensor perToken = F.cross_entropy(
                    logits.reshape(-1, logits.size(-1)).to(ScalarType.Float32),
                    batch.Targets.reshape(-1),
                    ignoreIndex: PackedBatch.IgnoreIndex,
                    reduction: torch.nn.Reduction.None);
                // Every canary has the same length, so each row holds length - 1 targets and no padding.
                float[] sums = perToken.reshape(chunk.Length, -1).sum(1).to(ScalarType.Float32, Device.CPU).ToArray<float>();
                losses.AddRange(sums.Select((sum, i) => (double)sum / (chunk[i].InputIds.Length - 1)));
            }
            return losses.ToArray();
        }
        finally
        {
            _lora.SetTraining(true);
        }
    }
}
