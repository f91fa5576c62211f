using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Privacy.Sgd;
using FineTune.Training.Privacy.Sgd.PerSampleGrads;
using FineTune.Training.Tests.Train;
using FineTune.Training.Train;
using Xunit.Abstractions;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Tests.Privacy.Sgd;

/// <summary>
/// DP-SGD with packing: per-sample LoRA gradients from rows that pack several records (and an entity of two
/// records) against each sample trained alone, through the real tinystories-656k model in float64; then the
/// clip-and-noise pipeline fed from packed rows against the same samples unpacked.
/// </summary>
public sealed class PackedPerSampleGradsTests(ITestOutputHelper output)
{
    private const int MaxLength = 96;
    private const double Tolerance = 1e-5;

    [Fact]
    public void PackedRows_GivePerSampleGradientsEqualToEachSampleAlone()
    {
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.Float64);
        using LoraModel lora = AttachLora(model);
        using var scope = TensorScope.Begin();
        List<IReadOnlyList<TokenizedExample>> samples = Samples();
        List<TrainingRow> packed = TrainingRow.Pack(samples, MaxLength);

        IReadOnlyList<KeyValuePair<string, Tensor>> perSample = PerSampleGradients(model, lora, packed);
        double error = 0;
        double largest = 0;
        for (int s = 0; s < samples.Count; s++)
        {
            Tensor?[] alone = GradientsAlone(model, lora, samples[s]);
            for (int p = 0; p < alone.Length; p++)
            {
                error = Math.Max(error, perSample[p].Value.select(0, s).sub(alone[p]!.to(ScalarType.Float32)).abs().max().item());
                largest = Math.Max(largest, alone[p]!.abs().max().item());
            }
        }

        output.WriteLine($"{samples.Count} samples in {packed.Count} rows: max |packed - alone| = {error:E2} (largest entry {largest:E2})");
        Assert.True(packed.Count < samples.Count, "the rows must actually pack samples together");
        Assert.Equal(samples.Count, perSample[0].Value.size(0));
        Assert.True(largest > 1e-3, "the gradients are too small for the comparison to mean anything");
        Assert.True(error <= Tolerance, $"max error {error:E2}");
    }

    [Fact]
    public void ClipAndNoise_FromPackedRows_EqualTheUnpackedPathForTheSameSeed()
    {
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.Float64);
        using LoraModel lora = AttachLora(model);
        using var scope = TensorScope.Begin();
        List<IReadOnlyList<TokenizedExample>> samples = Samples();
        List<TrainingRow> unpacked = samples.Select(TrainingRow.Single).ToList();
        List<TrainingRow> packed = TrainingRow.Pack(samples, MaxLength);

        // C halfway between the second and third smallest sample norms: some samples are clipped, some are not, and
        // no norm lies near C, where rounding could tip it either way.
        double[] norms = Norms(PerSampleGradients(model, lora, unpacked)).Order().ToArray();
        double maxGradNorm = (norms[1] + norms[2]) / 2;

        (Tensor[] unpackedGrad, double unpackedClipped, long unpackedCount) = NoisedGradient(model, lora, unpacked, maxGradNorm);
        (Tensor[] packedGrad, double packedClipped, long packedCount) = NoisedGradient(model, lora, packed, maxGradNorm);

        double error = unpackedGrad.Zip(packedGrad, (u, p) => u.sub(p).abs().max().item()).Max();
        output.WriteLine($"max |packed - unpacked| of the noised step gradient = {error:E2}, clipped fraction {packedClipped}");
        // Each sample is clipped on its own: as many clipped samples as records and entities, not rows.
        Assert.Equal(samples.Count, packedCount);
        Assert.Equal(unpackedCount, packedCount);
        Assert.Equal(unpackedClipped, packedClipped);
        Assert.True(packedClipped is > 0 and < 1, $"C must clip some samples and not others (clipped {packedClipped})");
        Assert.True(error <= Tolerance, $"max error {error:E2}");
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void TwoPassClipping_EqualsClippingEveryMaterializedPerSampleGradient(bool packing)
    {
        // The trainer never holds every sample's gradient: it reads norms, then the clipped sum as one weighted sum
        // (IPerSampleGradients). The reference clips the materialized per-sample gradients one by one.
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.Float64);
        using LoraModel lora = AttachLora(model);
        using var scope = TensorScope.Begin();
        List<IReadOnlyList<TokenizedExample>> samples = Samples();
        List<TrainingRow> rows = packing ? TrainingRow.Pack(samples, MaxLength) : samples.Select(TrainingRow.Single).ToList();
        double[] norms = Norms(PerSampleGradients(model, lora, rows)).Order().ToArray();
        double maxGradNorm = (norms[1] + norms[2]) / 2;

        (Tensor[] reference, double referenceClipped, long referenceCount) = NoisedGradient(model, lora, rows, maxGradNorm);
        using var optimizer = new DpOptimizer(lora.NamedParameters, noiseMultiplier: 0.5, maxGradNorm, expectedBatchSize: 4, noiseSeed: 11);
        using (DpLoraCapture capture = DpLoraCapture.Attach(lora))
        {
            (Tensor loss, long rowLength) = Loss(model, rows);
            using TokenSegments? segments = TrainingRow.Segments(rows, rowLength, Device.CPU);
            using CapturedPerSampleGradients twoPass = capture.CapturePerSampleGradients(loss, segments);
            Assert.Equal(samples.Count, twoPass.SampleCount);
            optimizer.ClipAndAccumulate(twoPass);
        }
        (double clipped, long count) = (optimizer.ClippedFraction, optimizer.SampleCount);
        optimizer.AddNoise();
        optimizer.ScaleGrad();
        Tensor[] gradient = lora.NamedParameters.Select(p => p.Value.grad()!.clone()).ToArray();
        optimizer.Step();

        double error = reference.Zip(gradient, (r, g) => r.sub(g).abs().max().item()).Max();
        double largest = reference.Max(r => r.abs().max().item());
        output.WriteLine($"packing {packing}: max |two-pass - materialized| = {error:E2} (largest entry {largest:E2}), clipped {clipped}");
        Assert.Equal(referenceCount, count);
        Assert.Equal(referenceClipped, clipped);
        Assert.True(clipped is > 0 and < 1, $"C must clip some samples and not others (clipped {clipped})");
        Assert.True(error <= 1e-6 * largest, $"max error {error:E2} against a largest entry of {largest:E2}");
    }

    // Five records of different lengths, the last two as one entity (one sample of two records).
    private static List<IReadOnlyList<TokenizedExample>> Samples()
    {
        List<TokenizedExample> stories = TinyStoriesFixture.Examples(6);
        return [[stories[0]], [stories[1]], [stories[2]], [stories[3]], [stories[4], stories[5]]];
    }

    private static LoraModel AttachLora(Transformer model)
    {
        using var generator = new Generator(7);
        LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["all-linear"] }, generator);
        // B starts at zero, which would make every lora_A gradient zero and the comparison vacuous.
        using (torch.no_grad())
        {
            foreach (LoraLinear adapter in lora.Adapters)
            {
                adapter.B.normal_(0, 0.05, generator).Dispose();
            }
        }
        return lora;
    }

    // The summed token loss of rows laid out as the trainer lays them (block-diagonal attention within a row).
    private static (Tensor Loss, long RowLength) Loss(Transformer model, IReadOnlyList<TrainingRow> rows)
    {
        using PackedBatch batch = PackedBatch.Build(rows.Select(r => r.Examples).ToList(), MaxLength, Device.CPU);
        Tensor logits = model.Forward(batch.InputIds, packing: batch.Packing);
        Tensor loss = F.cross_entropy(logits.reshape(-1, logits.size(-1)), batch.Targets.reshape(-1), ignoreIndex: PackedBatch.IgnoreIndex, reduction: torch.nn.Reduction.Sum);
        return (loss, batch.InputIds.size(1));
    }

    private static IReadOnlyList<KeyValuePair<string, Tensor>> PerSampleGradients(Transformer model, LoraModel lora, IReadOnlyList<TrainingRow> rows)
    {
        using DpLoraCapture capture = DpLoraCapture.Attach(lora);
        (Tensor loss, long rowLength) = Loss(model, rows);
        using TokenSegments? segments = TrainingRow.Segments(rows, rowLength, Device.CPU);
        return capture.ComputePerSampleGradients(loss, segments: segments);
    }

    // The reference: the sample alone in its own row, differentiated by autograd with respect to A and B.
    private static Tensor?[] GradientsAlone(Transformer model, LoraModel lora, IReadOnlyList<TokenizedExample> sample)
    {
        (Tensor loss, _) = Loss(model, [TrainingRow.Single(sample)]);
        return torch.autograd.grad([loss], lora.NamedParameters.Select(p => p.Value).ToList());
    }

    private static double[] Norms(IReadOnlyList<KeyValuePair<string, Tensor>> perSample)
    {
        long count = perSample[0].Value.size(0);
        Tensor squared = perSample.Select(p => p.Value.reshape(count, -1).square().sum(1)).Aggregate((a, b) => a.add(b));
        return squared.sqrt().to(ScalarType.Float64).ToArray<double>();
    }

    private static (Tensor[] Gradient, double ClippedFraction, long SampleCount) NoisedGradient(Transformer model, LoraModel lora, IReadOnlyList<TrainingRow> rows, double maxGradNorm)
    {
        // The same noise seed for both layouts, so the noised sums must agree.
        using var optimizer = new DpOptimizer(lora.NamedParameters, noiseMultiplier: 0.5, maxGradNorm, expectedBatchSize: 4, noiseSeed: 11);
        IReadOnlyList<KeyValuePair<string, Tensor>> perSample = PerSampleGradients(model, lora, rows);
        optimizer.ClipAndAccumulate(perSample);
        (double clipped, long count) = (optimizer.ClippedFraction, optimizer.SampleCount);
        optimizer.AddNoise();
        optimizer.ScaleGrad();
        Tensor[] gradient = lora.NamedParameters.Select(p => p.Value.grad()!.clone()).ToArray();
        optimizer.Step();
        return (gradient, clipped, count);
    }
}
