using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Model;
using FineTune.Training.Tests.Train;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Model;

public sealed class PackedAttentionTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-packed-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    // Three rows: two packed (one of them three examples), one single example shorter than the others (row padding).
    private static IReadOnlyList<IReadOnlyList<TokenizedExample>> Rows(List<TokenizedExample> e) => [[e[0], e[1]], [e[2]], [e[3], e[4], e[5]]];

    [Fact]
    public void Segments_TheMask_AndVarlen_GiveEveryPackedExampleTheLogitsItHasAlone()
    {
        // float64 weights, so equal computations agree to rounding and a leak between examples cannot hide in it.
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.Float64);
        List<TokenizedExample> examples = TinyStoriesFixture.Examples(6);
        using var noGrad = torch.no_grad();
        using var scope = TensorScope.Begin();
        IReadOnlyList<IReadOnlyList<TokenizedExample>> rows = Rows(examples);
        using PackedBatch segmented = PackedBatch.Build(rows, 256, Device.CPU);
        using PackedBatch dense = PackedBatch.Build(rows, 256, Device.CPU, PackedAttentionKind.DenseMask);
        using PackedBatch varlen = PackedBatch.Build(rows, 256, Device.CPU, PackedAttentionKind.Varlen);
        Assert.True(segmented.Packing!.IsSegmented);
        Assert.False(dense.Packing!.IsSegmented);
        Assert.NotNull(varlen.Packing!.Sequences);

        Tensor bySegments = model.Forward(segmented.InputIds, packing: segmented.Packing);
        Tensor byMask = model.Forward(dense.InputIds, packing: dense.Packing);
        Tensor byVarlen = model.Forward(varlen.InputIds, packing: varlen.Packing);

        for (int r = 0; r < rows.Count; r++)
        {
            int offset = 0;
            foreach (TokenizedExample example in rows[r])
            {
                int n = example.InputIds.Length;
                Tensor alone = model.Forward(torch.tensor(example.InputIds.Select(i => (long)i).ToArray(), [1, n])).select(0, 0);
                double segmentsError = bySegments.select(0, r).narrow(0, offset, n).sub(alone).abs().max().item();
                double maskError = byMask.select(0, r).narrow(0, offset, n).sub(alone).abs().max().item();
                double varlenError = byVarlen.select(0, r).narrow(0, offset, n).sub(alone).abs().max().item();
                Assert.True(segmentsError < 1e-10, $"row {r} at {offset}: segments differ from the example alone by {segmentsError}");
                Assert.True(maskError < 1e-10, $"row {r} at {offset}: the mask differs from the example alone by {maskError}");
                Assert.True(varlenError < 1e-10, $"row {r} at {offset}: varlen differs from the example alone by {varlenError}");
                offset += n;
            }
        }
        // Row padding computes ignored values, but they must be finite: a NaN there would reach the gradients.
        Assert.All(bySegments.ToArray<double>(), value => Assert.True(double.IsFinite(value)));
        Assert.All(byVarlen.ToArray<double>(), value => Assert.True(double.IsFinite(value)));
    }

    [Fact]
    public void Segments_TheDenseMask_AndVarlen_TrainTheSameAdapter()
    {
        // Three steps, so the second and third run with a non-zero B and A's gradients are compared too.
        TrainingConfig config = new()
        {
            MaxSteps = 3,
            LearningRate = 5e-3,
            MicroBatchSize = 2,
            MaxSeqLength = 96,
            WarmupRatio = 0,
            Packing = true,
            Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["all-linear"] },
        };
        (IReadOnlyList<double> segmentLosses, Dictionary<string, float[]> segmentWeights) = Train(config, "segments");
        (IReadOnlyList<double> maskLosses, Dictionary<string, float[]> maskWeights) = Train(config with { DensePackingMask = true }, "mask");
        (IReadOnlyList<double> varlenLosses, Dictionary<string, float[]> varlenWeights) = Train(config with { VarlenPackedAttention = true }, "varlen");

        Assert.Equal(3, segmentLosses.Count);
        foreach ((string way, IReadOnlyList<double> losses, Dictionary<string, float[]> weights) in new[] { ("mask", maskLosses, maskWeights), ("varlen", varlenLosses, varlenWeights) })
        {
            for (int step = 0; step < 3; step++)
            {
                Assert.True(Math.Abs(segmentLosses[step] - losses[step]) < 1e-5, $"{way}, step {step + 1}: {segmentLosses[step]} vs {losses[step]}");
            }
            Assert.Equal(weights.Keys.Order(), segmentWeights.Keys.Order());
            foreach ((string name, float[] values) in weights)
            {
                // Float32 rounding of two summation orders, amplified where Adam divides tiny gradients by their own
                // scale: under 1e-5 on libtorch 1.13, 1.4e-5 on 2.6 with a multi-threaded OpenBLAS (the losses above
                // stay within 1e-5, and they are what a leak across examples moves).
                double error = values.Zip(segmentWeights[name], (a, b) => Math.Abs(a - b)).Max();
                Assert.True(error < 5e-5, $"{way}: {name} differs by {error}");
            }
        }
    }

    private (IReadOnlyList<double> Losses, Dictionary<string, float[]> Weights) Train(TrainingConfig config, string name)
    {
        Dictionary<string, float[]> weights = [];
        TrainingResult result = TinyStoriesFixture.Train(config, Path.Combine(_folder, name), inspect: lora =>
            weights = lora.NamedParameters.ToDictionary(p => p.Key, p => p.Value.to(ScalarType.Float32).ToArray<float>()));
        return (result.LossHistory, weights);
    }

    [Fact]
    public void Create_GroupsExamplesLongestFirst_EachPaddedToUnderTwiceItsLength()
    {
        using PackedAttention mixed = PackedAttention.Create([[64, 64], [100], [30, 30, 60]], 128, Device.CPU);
        using PackedAttention uneven = PackedAttention.Create([[500, .. Enumerable.Repeat(1, 100)]], 600, Device.CPU);

        Assert.True(mixed.IsSegmented);
        Assert.Equal([(4L, 100L), (2L, 30L)], mixed.Groups);
        Assert.True(uneven.IsSegmented);
        Assert.Equal([(1L, 500L), (100L, 1L)], uneven.Groups);
    }

    [Fact]
    public void Create_TakesTheDenseMask_WhenGroupsCostMoreProducts_OrWhenAsked()
    {
        // 10 | 6 4: the groups (10, 6 padded to 10) and (4) need 2·10² + 4² = 216 products, the mask 2·10² = 200.
        using PackedAttention costlier = PackedAttention.Create([[10], [6, 4]], 10, Device.CPU);
        using PackedAttention forced = PackedAttention.Create([[64, 64]], 128, Device.CPU, PackedAttentionKind.DenseMask);

        Assert.False(costlier.IsSegmented);
        Assert.Empty(costlier.Groups);
        Assert.False(forced.IsSegmented);
    }

    [Fact]
    public void DenseMask_IsCausalWithinEachExample_AndRowPaddingSeesItselfOnly()
    {
        // One row of 5 positions: an example of 2, one of 1, then 2 positions of padding.
        using PackedAttention plan = PackedAttention.Create([[2, 1]], 5, Device.CPU, PackedAttentionKind.DenseMask);

        bool[] mask = plan.Mask!.ToArray<bool>();

        bool[] expected =
        [
            true, false, false, false, false,
            true, true, false, false, false,
            false, false, true, false, false,
            false, false, false, true, false,
            false, false, false, false, true,
        ];
        Assert.Equal([1L, 1, 5, 5], plan.Mask.shape);
        Assert.Equal(expected, mask);
    }

    [Fact]
    public void Varlen_CutsThePositionsIntoTheExamples_AndEachRowsPadding()
    {
        // Rows of 5: examples 2 and 1 then 2 padding positions; one example of 3 then 2; a full row of 5.
        using PackedAttention plan = PackedAttention.Create([[2, 1], [3], [5]], 5, Device.CPU, PackedAttentionKind.Varlen);

        Assert.False(plan.IsSegmented);
        Assert.Null(plan.Mask);
        Assert.Equal([2L, 1, 2, 3, 2, 5], plan.Sequences!.Lengths);
        Assert.Equal(15, plan.Sequences.Total);
    }

    [Fact]
    public void Config_RefusesTheDenseMaskTogetherWithVarlen()
    {
        var config = new TrainingConfig { DensePackingMask = true, VarlenPackedAttention = true };

        var error = Assert.Throws<ArgumentException>(config.Validate);

        Assert.Equal(nameof(TrainingConfig.VarlenPackedAttention), error.ParamName);
    }

    [Fact]
    public void Create_RefusesARowLongerThanItsLength()
    {
        var error = Assert.Throws<ArgumentException>(() => PackedAttention.Create([[3, 3]], 5, Device.CPU));

        Assert.Contains("6 tokens", error.Message);
    }

    [Fact]
    public void PackedRows_CannotExtendAKvCache()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var noGrad = torch.no_grad();
        using var scope = TensorScope.Begin();
        using PackedAttention plan = PackedAttention.Create([[2, 2]], 4, Device.CPU);
        using var cache = new KvCache(model.Config.NumLayers);

        Assert.Throws<ArgumentException>(() => model.Forward(torch.zeros([1, 4], ScalarType.Int64), cache, plan));
    }
}
