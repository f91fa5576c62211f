using FineTune.Privacy;
using FineTune.Torch;
using FineTune.Training.Privacy.Sgd;
using Xunit.Abstractions;

namespace FineTune.Training.Tests.Privacy.Sgd;

public sealed class DpOptimizerTests(ITestOutputHelper output) : IDisposable
{
    private readonly TensorScope _scope = TensorScope.Begin();
    private readonly Tensor _weight = torch.zeros([2, 3], requiresGrad: true);
    private readonly Tensor _bias = torch.zeros([4], requiresGrad: true);

    public void Dispose() => _scope.Dispose();

    private KeyValuePair<string, Tensor>[] Parameters => [KeyValuePair.Create("weight", _weight), KeyValuePair.Create("bias", _bias)];

    // Per-sample gradients (B, 2, 3) and (B, 4) whose rows are the given values.
    private static KeyValuePair<string, Tensor>[] Samples(params float[][] rows)
    {
        float[] weight = rows.SelectMany(r => r.Take(6)).ToArray();
        float[] bias = rows.SelectMany(r => r.Skip(6)).ToArray();
        return
        [
            KeyValuePair.Create("weight", torch.tensor(weight, [rows.Length, 2, 3])),
            KeyValuePair.Create("bias", torch.tensor(bias, [rows.Length, 4])),
        ];
    }

    private static float[] Row(float scale) => Enumerable.Range(1, 10).Select(i => scale * i).ToArray();

    private float[] Gradient() => [.. _weight.grad()!.reshape(-1).ToArray<float>(), .. _bias.grad()!.ToArray<float>()];

    private static double Norm(float[] values) => Math.Sqrt(values.Sum(v => (double)v * v));

    [Fact]
    public void ClipAndAccumulate_SampleAboveBound_IsScaledToNormCAcrossAllParameters()
    {
        using var optimizer = new DpOptimizer(Parameters, noiseMultiplier: 0, maxGradNorm: 1.5, expectedBatchSize: 1, noiseSeed: 1);
        float[] large = Row(1); // norm √385 ≈ 19.6, spread over both parameters

        optimizer.ClipAndAccumulate(Samples(large));
        optimizer.Step();
        float[] clipped = Gradient();

        Assert.Equal(1.5, Norm(clipped), 1e-5);
        Assert.All(clipped.Zip(large), p => Assert.Equal(p.Second * 1.5 / Norm(large), p.First, 1e-6));
    }

    [Fact]
    public void ClipAndAccumulate_SampleWithinBound_IsUnchanged()
    {
        using var optimizer = new DpOptimizer(Parameters, noiseMultiplier: 0, maxGradNorm: 1.5, expectedBatchSize: 1, noiseSeed: 1);
        float[] small = Row(0.05f); // norm ≈ 0.98

        optimizer.ClipAndAccumulate(Samples(small));
        optimizer.Step();

        Assert.Equal(small, Gradient());
    }

    [Fact]
    public void ScaleGrad_SumOfClippedSamples_IsDividedByTheExpectedNotTheRealisedBatchSize()
    {
        using var optimizer = new DpOptimizer(Parameters, noiseMultiplier: 0, maxGradNorm: 1.0, expectedBatchSize: 8, noiseSeed: 1);
        float[] large = Row(1);
        float[] small = Row(0.01f);

        optimizer.ClipAndAccumulate(Samples(large, small));
        optimizer.AddNoise();
        optimizer.ScaleGrad();
        float[] gradient = Gradient();

        double largeFactor = 1.0 / (Norm(large) + 1e-6);
        Assert.Equal(2, optimizer.SampleCount);
        Assert.All(Enumerable.Range(0, 10), i => Assert.Equal(((large[i] * largeFactor) + small[i]) / 8, gradient[i], 1e-7));
    }

    [Fact]
    public void ClipAndAccumulate_OverMicroBatches_ReportsTheMeanNormBeforeClippingAndTheClippedFraction()
    {
        using var optimizer = new DpOptimizer(Parameters, noiseMultiplier: 0, maxGradNorm: 1.5, expectedBatchSize: 3, noiseSeed: 1);
        float[] large = Row(1);
        float[] small = Row(0.05f);
        float[] medium = Row(0.2f);
        double emptyNorm = optimizer.MeanSampleNorm;

        optimizer.ClipAndAccumulate(Samples(large, small));
        optimizer.ClipAndAccumulate(Samples(medium));
        double meanNorm = optimizer.MeanSampleNorm;
        double clipped = optimizer.ClippedFraction;
        optimizer.Step();

        Assert.True(double.IsNaN(emptyNorm));
        Assert.Equal((Norm(large) + Norm(small) + Norm(medium)) / 3, meanNorm, 1e-5);
        Assert.Equal(2.0 / 3, clipped, 12);
        Assert.True(double.IsNaN(optimizer.MeanSampleNorm) && double.IsNaN(optimizer.ClippedFraction), "the next step starts afresh");
    }

    [Fact]
    public void ClipAndAccumulate_MicroBatches_AddUpToTheWholeBatch()
    {
        float[][] rows = [Row(1), Row(0.02f), Row(-0.5f)];
        using var whole = new DpOptimizer(Parameters, 0, 1.0, 3, noiseSeed: 1);
        whole.ClipAndAccumulate(Samples(rows));
        whole.Step();
        float[] expected = Gradient();

        using var split = new DpOptimizer(Parameters, 0, 1.0, 3, noiseSeed: 1);
        split.ClipAndAccumulate(Samples(rows[0], rows[1]));
        split.ClipAndAccumulate(Samples(rows[2]));
        split.Step();

        Assert.All(expected.Zip(Gradient()), p => Assert.Equal(p.First, p.Second, 1e-7));
    }

    [Fact]
    public void AddNoise_EmptyBatch_HasStandardDeviationSigmaTimesC()
    {
        using Tensor wide = torch.zeros([500, 400], requiresGrad: true);
        using var optimizer = new DpOptimizer([KeyValuePair.Create("wide", wide)], noiseMultiplier: 1.3, maxGradNorm: 0.8, expectedBatchSize: 1, noiseSeed: 42);

        optimizer.Step();
        float[] noise = wide.grad()!.reshape(-1).ToArray<float>();

        double mean = noise.Average(v => (double)v);
        double std = Math.Sqrt(noise.Sum(v => (v - mean) * (v - mean)) / (noise.Length - 1));
        double expected = 1.3 * 0.8;
        output.WriteLine($"noise over {noise.Length} coordinates: mean {mean:E2}, std {std:F5} (expected {expected:F5})");
        // Standard errors: σC/√n = 0.0023 for the mean, σC/√(2n) = 0.0016 for the standard deviation.
        Assert.InRange(mean, -0.01, 0.01);
        Assert.InRange(std, expected - 0.008, expected + 0.008);
    }

    [Fact]
    public void AddNoise_SameSeed_DrawsTheSameNoise_AndNoSeedDrawsARecordedCsprngSeed()
    {
        using var first = new DpOptimizer(Parameters, 1.0, 1.0, 1, noiseSeed: 7);
        first.Step();
        float[] a = Gradient();
        using var second = new DpOptimizer(Parameters, 1.0, 1.0, 1, noiseSeed: 7);
        second.Step();
        float[] b = Gradient();

        using var secure = new DpOptimizer(Parameters, 1.0, 1.0, 1);
        using var other = new DpOptimizer(Parameters, 1.0, 1.0, 1);

        Assert.Equal(7, first.NoiseSeed);
        Assert.Equal(a, b);
        Assert.NotEqual(secure.NoiseSeed, other.NoiseSeed);
        Assert.True(secure.NoiseSeed >= 0);
    }

    [Fact]
    public void Step_AttachedAccountant_IsChargedOncePerLogicalStepIncludingEmptyBatches()
    {
        var accountant = new RdpAccountant();
        using var optimizer = new DpOptimizer(Parameters, noiseMultiplier: 1.1, maxGradNorm: 1.0, expectedBatchSize: 4, noiseSeed: 3);
        optimizer.AttachAccountant(accountant, sampleRate: 0.01);
        int optimizerSteps = 0;

        optimizer.ClipAndAccumulate(Samples(Row(1), Row(2)));
        optimizer.ClipAndAccumulate(Samples(Row(3)));
        Assert.Empty(accountant.History);
        optimizer.Step(() => optimizerSteps++);
        optimizer.Step(() => optimizerSteps++); // an empty logical batch
        optimizer.ClipAndAccumulate(Samples(Row(1)));
        optimizer.AddNoise();
        optimizer.ScaleGrad();
        optimizer.Step(() => optimizerSteps++);

        var expected = new RdpAccountant();
        expected.Step(1.1, 0.01, 3);
        Assert.Equal([new PrivacyHistoryEntry(1.1, 0.01, 3)], accountant.History);
        Assert.Equal(expected.GetEpsilon(1e-5), accountant.GetEpsilon(1e-5));
        Assert.Equal(3, optimizer.StepCount);
        Assert.Equal(3, optimizerSteps);
    }

    [Fact]
    public void Step_EmptyBatch_ReleasesPureNoiseOverTheExpectedBatchSize()
    {
        using var noisy = new DpOptimizer(Parameters, 2.0, 0.5, expectedBatchSize: 4, noiseSeed: 11);
        noisy.Step();
        float[] scaled = Gradient();
        using var unscaled = new DpOptimizer(Parameters, 2.0, 0.5, expectedBatchSize: 1, noiseSeed: 11);
        unscaled.Step();
        float[] raw = Gradient();

        Assert.Contains(raw, v => v != 0);
        Assert.All(raw.Zip(scaled), p => Assert.Equal(p.First / 4, p.Second, 1e-7));
    }

    [Fact]
    public void Pipeline_OutOfOrderCalls_AreRejected()
    {
        using var optimizer = new DpOptimizer(Parameters, 1.0, 1.0, 1, noiseSeed: 1);

        Assert.Throws<InvalidOperationException>(optimizer.ScaleGrad);
        optimizer.AddNoise();
        Assert.Throws<InvalidOperationException>(optimizer.AddNoise);
        Assert.Throws<InvalidOperationException>(() => optimizer.ClipAndAccumulate(Samples(Row(1))));
        optimizer.ScaleGrad();
        Assert.Throws<InvalidOperationException>(optimizer.ResetSums);
        optimizer.Step();
        optimizer.ClipAndAccumulate(Samples(Row(1)));
    }

    [Fact]
    public void ClipAndAccumulate_MismatchedGradients_AreRejectedNamingTheParameter()
    {
        using var optimizer = new DpOptimizer(Parameters, 1.0, 1.0, 1, noiseSeed: 1);
        using Tensor wrongShape = torch.zeros([2, 3, 2]);
        using Tensor otherRows = torch.zeros([3, 4]);
        using Tensor oneRow = torch.zeros([2, 2, 3]);

        var shape = Assert.Throws<ArgumentException>(() => optimizer.ClipAndAccumulate([KeyValuePair.Create("weight", wrongShape)]));
        var unknown = Assert.Throws<ArgumentException>(() => optimizer.ClipAndAccumulate([KeyValuePair.Create("lm_head", otherRows)]));
        var rows = Assert.Throws<ArgumentException>(() => optimizer.ClipAndAccumulate([KeyValuePair.Create("weight", oneRow), KeyValuePair.Create("bias", otherRows)]));

        Assert.Contains("weight", shape.Message);
        Assert.Contains("lm_head", unknown.Message);
        Assert.Contains("batch size", rows.Message);
    }

    [Fact]
    public void Constructor_InvalidSettings_Throw()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpOptimizer(Parameters, -1, 1, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpOptimizer(Parameters, 1, 0, 1));
        Assert.Throws<ArgumentOutOfRangeException>(() => new DpOptimizer(Parameters, 1, 1, 0));
        Assert.Throws<ArgumentException>(() => new DpOptimizer([], 1, 1, 1));
    }

    [Fact]
    public void SetNoiseGeneratorState_RestoredState_RedrawsTheSameNoise()
    {
        using var optimizer = new DpOptimizer(Parameters, 1.0, 1.0, 1, noiseSeed: 5);
        using Tensor state = optimizer.GetNoiseGeneratorState();
        optimizer.Step();
        float[] first = Gradient();

        optimizer.SetNoiseGeneratorState(state);
        optimizer.Step();

        Assert.Equal(first, Gradient());
    }

    [Fact]
    public void ClipAndAccumulate_FlatRows_EqualTheNamedGradients()
    {
        float[][] rows = [Row(1), Row(0.02f), Row(-0.5f)];
        using var named = new DpOptimizer(Parameters, 0, 1.0, 3, noiseSeed: 1);
        named.ClipAndAccumulate(Samples(rows));
        double namedNorm = named.MeanSampleNorm;
        named.Step();
        float[] expected = Gradient();

        // Each row is one sample's gradient with the parameters back to back in the order given: weight, then bias.
        using var flat = new DpOptimizer(Parameters, 0, 1.0, 3, noiseSeed: 1);
        using Tensor matrix = torch.tensor(rows.SelectMany(r => r).ToArray(), [rows.Length, 10]);
        flat.ClipAndAccumulate(matrix);
        double flatNorm = flat.MeanSampleNorm;
        flat.Step();

        Assert.Equal(10, flat.TotalElements);
        Assert.Equal(namedNorm, flatNorm, 12);
        Assert.Equal(expected, Gradient());
    }

    [Fact]
    public void ClipAndAccumulate_FlatRowsOfTheWrongWidth_AreRejectedNamingTheWidth()
    {
        using var optimizer = new DpOptimizer(Parameters, 1.0, 1.0, 1, noiseSeed: 1);
        using Tensor narrow = torch.zeros([2, 9]);

        var error = Assert.Throws<ArgumentException>(() => optimizer.ClipAndAccumulate(narrow));

        Assert.Contains("[B, 10]", error.Message);
    }

    [Fact]
    public void NormStatistics_ReadWithTheStep_SummarizeToTheReportedFigures()
    {
        using var optimizer = new DpOptimizer(Parameters, noiseMultiplier: 0, maxGradNorm: 1.5, expectedBatchSize: 3, noiseSeed: 1);
        optimizer.ClipAndAccumulate(Samples(Row(1), Row(0.05f)));
        optimizer.ClipAndAccumulate(Samples(Row(0.2f)));

        double[] statistics = optimizer.NormStatistics.ToArray<double>();
        (double mean, double clipped) = optimizer.Summarize(statistics[0], statistics[1]);

        Assert.Equal((Norm(Row(1)) + Norm(Row(0.05f)) + Norm(Row(0.2f))) / 3, mean, 1e-5);
        Assert.Equal(2.0 / 3, clipped, 12);
        Assert.Equal(2.0, statistics[1]);
        optimizer.Step();
        Assert.Equal([0.0, 0.0], optimizer.NormStatistics.ToArray<double>());
    }

    [Fact]
    public void ScaleGrad_FlatGradientBuffer_WritesWhatPerParameterGradientsGet()
    {
        // Parameters that are views of one buffer, their gradients views of another, as LoraModel lays them out.
        using Tensor values = torch.zeros([10]);
        using Tensor gradients = torch.zeros([10]);
        using Tensor weight = values.narrow(0, 0, 6).view(2, 3).requires_grad_();
        using Tensor bias = values.narrow(0, 6, 4).requires_grad_();
        weight.set_grad(gradients.narrow(0, 0, 6).view(2, 3));
        bias.set_grad(gradients.narrow(0, 6, 4));
        float[][] rows = [Row(1), Row(-0.3f)];

        using var perParameter = new DpOptimizer(Parameters, 0.7, 1.0, 2, noiseSeed: 3);
        perParameter.ClipAndAccumulate(Samples(rows));
        perParameter.Step();
        float[] expected = Gradient();

        using var flat = new DpOptimizer([KeyValuePair.Create("weight", weight), KeyValuePair.Create("bias", bias)], 0.7, 1.0, 2, noiseSeed: 3, flatGradients: gradients);
        flat.ClipAndAccumulate(Samples(rows));
        flat.Step();

        Assert.Equal(expected, gradients.ToArray<float>());
        Assert.Equal(expected[..6], weight.grad()!.reshape(-1).ToArray<float>());
        Assert.Throws<ArgumentException>(() => new DpOptimizer(Parameters, 1, 1, 1, flatGradients: torch.zeros([9])));
    }

    [Fact]
    public void Step_OverFlatBuffers_IssuesTheSameOpsForTwoOrTwoHundredMatrices()
    {
        // On a GPU each op is a kernel launch: clipping, noise and scaling must not cost a few launches per matrix.
        Assert.Equal(TensorOpsOfOneStep(matrices: 2), TensorOpsOfOneStep(matrices: 200));
    }

    // Tensors created by one micro-batch's clip and a whole step (noise, scaling into the flat gradient buffer).
    private static long TensorOpsOfOneStep(int matrices)
    {
        using var scope = TensorScope.Begin();
        Tensor values = torch.zeros([matrices * 6]);
        Tensor gradients = torch.zeros([matrices * 6]);
        var parameters = Enumerable.Range(0, matrices).Select(i =>
        {
            Tensor matrix = values.narrow(0, i * 6, 6).view(2, 3).requires_grad_();
            matrix.set_grad(gradients.narrow(0, i * 6, 6).view(2, 3));
            return KeyValuePair.Create($"m{i}", matrix);
        }).ToList();
        Tensor perSample = torch.randn([4, matrices * 6]);
        using var optimizer = new DpOptimizer(parameters, 1.0, 1.0, 4, noiseSeed: 2, flatGradients: gradients);

        long before = Tensor.TensorsCreatedOnThisThread;
        optimizer.ClipAndAccumulate(perSample);
        optimizer.Step();
        return Tensor.TensorsCreatedOnThisThread - before;
    }
}
