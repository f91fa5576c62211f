using FineTune.Torch;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

public class PackedBatchTests
{
    [Fact]
    public void RowsOfOneExample_HaveNoMask_AndTheCausalPathGivesTheMaskedLoss()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        List<TokenizedExample> examples = TinyStoriesFixture.Examples(3);
        using var noGrad = torch.no_grad();
        using var scope = TensorScope.Begin();
        // Rows of different lengths, so the shorter ones are right-padded.
        using PackedBatch unpacked = PackedBatch.Build(examples.Select(e => (IReadOnlyList<TokenizedExample>)[e]).ToList(), 128, Device.CPU);
        using PackedBatch withMask = PackedBatch.Build([[examples[0]], [examples[1]], [examples[2], examples[0]]], 128, Device.CPU);

        Assert.Null(unpacked.Packing);
        Assert.NotNull(withMask.Packing);
        // The first two rows of both batches hold the same single examples: at their real tokens (padding computes
        // different, ignored values) the block mask and plain causal attention give the same logits up to float32
        // summation order (rows padded to different lengths).
        Tensor causal = model.Forward(unpacked.InputIds);
        Tensor masked = model.Forward(withMask.InputIds, packing: withMask.Packing);
        for (int row = 0; row < 2; row++)
        {
            int n = examples[row].InputIds.Length;
            double difference = causal.select(0, row).narrow(0, 0, n).sub(masked.select(0, row).narrow(0, 0, n)).abs().max().item();
            Assert.True(difference < 1e-4, $"row {row}: logits differ by {difference}");
        }
    }
}
