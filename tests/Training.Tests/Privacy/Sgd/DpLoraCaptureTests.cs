using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Privacy.Sgd;
using FineTune.Training.Tests.Train;
using Xunit.Abstractions;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Tests.Privacy.Sgd;

/// <summary>
/// Per-sample LoRA gradients from one backward pass against per-example backward passes through the real
/// tinystories-656k model (opacus's microbatch reference), in float32 with a 1e-5 tolerance.
/// </summary>
public sealed class DpLoraCaptureTests(ITestOutputHelper output)
{
    private const int Rows = 4;
    private const int Tokens = 12;
    private const long DropoutSeed = 1234;
    private const double Tolerance = 1e-5;

    [Fact]
    public void ComputePerSampleGradients_NoDropout_EqualPerExampleBackwardPasses()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachLora(model, dropout: 0);
        using var scope = TensorScope.Begin();
        (Tensor inputs, Tensor targets) = Batch();

        IReadOnlyList<KeyValuePair<string, Tensor>> perSample = PerSampleGradients(model, lora, inputs, targets, dropoutSeed: null);
        (double error, double largest) = AgainstPerExamplePasses(model, lora, inputs, targets, perSample);

        output.WriteLine($"no dropout: max |per-sample - per-example| = {error:E2} (largest gradient entry {largest:E2})");
        Assert.Equal(lora.NamedParameters.Select(p => p.Key), perSample.Select(p => p.Key));
        Assert.True(largest > 1e-3, "the gradients are too small for the comparison to mean anything");
        Assert.True(error <= Tolerance, $"max error {error:E2}");
    }

    [Fact]
    public void ComputePerSampleGradients_WithDropout_EqualPerExamplePassesUnderTheSameMasks()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachLora(model, dropout: 0.3);
        using var scope = TensorScope.Begin();
        (Tensor inputs, Tensor targets) = Batch();

        IReadOnlyList<KeyValuePair<string, Tensor>> perSample = PerSampleGradients(model, lora, inputs, targets, DropoutSeed);
        double error = 0;
        foreach (int row in Enumerable.Range(0, Rows))
        {
            // Each reference pass replays the dropout stream from the seed and keeps its own row of every mask.
            Tensor?[] reference = WithRowMaskedAdapters(lora, row, () => ParameterGradients(model, lora, inputs.narrow(0, row, 1), targets.narrow(0, row, 1)));
            error = Math.Max(error, Compare(perSample, row, reference).Error);
        }

        output.WriteLine($"dropout 0.3: max |per-sample - per-example| = {error:E2}");
        Assert.True(error <= Tolerance, $"max error {error:E2}");
    }

    [Fact]
    public void ComputePerSampleGradients_Bf16Branch_EqualPerExampleBackwardPassesToBf16Precision()
    {
        // A bf16 base whose adapters compute in bf16 (TrainingConfig.LoraInBaseDType): the per-sample path contracts
        // the branch's bf16 activations in float32, autograd's reference runs bf16 products, so they agree to ~1%.
        using Transformer model = TransformerLoader.Load(TinyStoriesFixture.ModelFolder, ScalarType.BFloat16);
        using LoraModel lora = AttachLora(model, dropout: 0);
        foreach (LoraLinear adapter in lora.Adapters)
        {
            adapter.ComputeDType = ScalarType.BFloat16;
        }
        using var scope = TensorScope.Begin();
        (Tensor inputs, Tensor targets) = Batch();

        IReadOnlyList<KeyValuePair<string, Tensor>> perSample = PerSampleGradients(model, lora, inputs, targets, dropoutSeed: null);
        (double error, double largest) = AgainstPerExamplePasses(model, lora, inputs, targets, perSample);

        output.WriteLine($"bf16 branch: max |per-sample - per-example| = {error:E2} (largest gradient entry {largest:E2})");
        Assert.True(largest > 1e-3, "the gradients are too small for the comparison to mean anything");
        Assert.True(error <= 3e-2 * largest, $"max error {error:E2} against a largest entry of {largest:E2}");
    }

    [Fact]
    public void ComputePerSampleGradients_SumOverRows_EqualsTheBatchGradient()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachLora(model, dropout: 0);
        using var scope = TensorScope.Begin();
        (Tensor inputs, Tensor targets) = Batch();

        IReadOnlyList<KeyValuePair<string, Tensor>> perSample = PerSampleGradients(model, lora, inputs, targets, dropoutSeed: null);
        Tensor?[] batch = ParameterGradients(model, lora, inputs, targets);

        double error = perSample.Select((p, i) => p.Value.sum(0).sub(batch[i]!).abs().max().item()).Max();
        output.WriteLine($"max |sum of per-sample - batch gradient| = {error:E2}");
        Assert.True(error <= Tolerance, $"max error {error:E2}");
    }

    [Fact]
    public void ComputeFlatPerSampleGradients_SumOverRows_IsTheBatchGradientInTheFlatBufferLayout()
    {
        // DpOptimizer writes the clipped sum straight into LoraModel.FlatGradients, so each row must be laid out as
        // that buffer is: what an ordinary backward accumulates there is the rows' sum.
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachLora(model, dropout: 0);
        using var scope = TensorScope.Begin();
        (Tensor inputs, Tensor targets) = Batch();

        Tensor flat;
        using (DpLoraCapture capture = DpLoraCapture.Attach(lora))
        {
            flat = capture.ComputeFlatPerSampleGradients(Loss(model, inputs, targets));
        }
        lora.FlatGradients!.zero_();
        Loss(model, inputs, targets).backward();

        double error = flat.sum(0).sub(lora.FlatGradients!).abs().max().item();
        output.WriteLine($"max |sum of flat per-sample rows - FlatGradients| = {error:E2}");
        Assert.Equal([Rows, lora.FlatGradients!.numel()], flat.shape);
        Assert.True(lora.FlatGradients!.abs().max().item() > 1e-3, "the gradients are too small for the comparison to mean anything");
        Assert.True(error <= Tolerance, $"max error {error:E2}");
    }

    [Fact]
    public void Attach_WithDropout_LeavesTheForwardAndItsDropoutStreamUnchanged()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachLora(model, dropout: 0.3);
        using var scope = TensorScope.Begin();
        (Tensor inputs, _) = Batch();
        Tensor plain = ForwardWithDropoutSeed(model, lora, inputs);

        Tensor captured;
        int activations;
        using (DpLoraCapture capture = DpLoraCapture.Attach(lora))
        {
            captured = ForwardWithDropoutSeed(model, lora, inputs);
            activations = capture.ActivationCount;
        }

        Assert.Equal(0.0, captured.sub(plain).abs().max().item());
        Assert.Equal(lora.Adapters.Count, activations);
        Assert.All(lora.Adapters, a => Assert.Same(a, a.Target.Adapter));
    }

    [Fact]
    public void Forward_WithoutGradients_KeepsNothing()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachLora(model, dropout: 0);
        using DpLoraCapture capture = DpLoraCapture.Attach(lora);
        using var scope = TensorScope.Begin();
        (Tensor inputs, _) = Batch();

        using (torch.no_grad())
        {
            model.Forward(inputs);
        }

        Assert.Equal(0, capture.ActivationCount);
    }

    [Fact]
    public void Attach_Twice_IsRejected()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using LoraModel lora = AttachLora(model, dropout: 0);
        using DpLoraCapture capture = DpLoraCapture.Attach(lora);

        Assert.Throws<InvalidOperationException>(() => DpLoraCapture.Attach(lora));
    }

    private static LoraModel AttachLora(Transformer model, double dropout)
    {
        using var generator = new Generator(7);
        LoraModel lora = LoraModel.Attach(model, new LoraConfig { Rank = 4, Alpha = 8, Dropout = dropout, TargetModules = ["all-linear"] }, generator);
        // B starts at zero, which would make every lora_A gradient zero and the test vacuous.
        using (torch.no_grad())
        {
            foreach (LoraLinear adapter in lora.Adapters)
            {
                adapter.B.normal_(0, 0.05, generator).Dispose();
            }
        }
        return lora;
    }

    // Rows of real story tokens, all Tokens long so no padding mixes in: (Rows, Tokens) inputs and next-token targets.
    private static (Tensor Inputs, Tensor Targets) Batch()
    {
        var examples = TinyStoriesFixture.Examples(Rows);
        long[] inputs = examples.SelectMany(e => e.InputIds.Take(Tokens).Select(id => (long)id)).ToArray();
        long[] targets = examples.SelectMany(e => e.InputIds.Skip(1).Take(Tokens).Select(id => (long)id)).ToArray();
        return (torch.tensor(inputs, [Rows, Tokens]), torch.tensor(targets, [Rows, Tokens]));
    }

    // The sum over rows of each row's summed token loss, so every row's gradient is that row's own.
    private static Tensor Loss(Transformer model, Tensor inputs, Tensor targets)
    {
        Tensor logits = model.Forward(inputs).to(ScalarType.Float32); // (B, T, V); a no-op for an f32 model
        return F.cross_entropy(logits.reshape(-1, logits.size(-1)), targets.reshape(-1), reduction: torch.nn.Reduction.Sum);
    }

    private static IReadOnlyList<KeyValuePair<string, Tensor>> PerSampleGradients(Transformer model, LoraModel lora, Tensor inputs, Tensor targets, long? dropoutSeed)
    {
        using var generator = dropoutSeed is long seed ? new Generator(seed) : null;
        SetDropoutGenerator(lora, generator);
        try
        {
            using DpLoraCapture capture = DpLoraCapture.Attach(lora);
            return capture.ComputePerSampleGradients(Loss(model, inputs, targets));
        }
        finally
        {
            SetDropoutGenerator(lora, null);
        }
    }

    private static Tensor?[] ParameterGradients(Transformer model, LoraModel lora, Tensor inputs, Tensor targets)
    {
        return torch.autograd.grad([Loss(model, inputs, targets)], lora.NamedParameters.Select(p => p.Value).ToList());
    }

    // The largest difference between each row's per-sample gradients and a backward pass of that row alone, and the
    // largest reference entry, over all rows (no dropout).
    private static (double Error, double Largest) AgainstPerExamplePasses(Transformer model, LoraModel lora, Tensor inputs, Tensor targets, IReadOnlyList<KeyValuePair<string, Tensor>> perSample)
    {
        double error = 0;
        double largest = 0;
        for (int row = 0; row < Rows; row++)
        {
            Tensor?[] reference = ParameterGradients(model, lora, inputs.narrow(0, row, 1), targets.narrow(0, row, 1));
            (double rowError, double rowLargest) = Compare(perSample, row, reference);
            error = Math.Max(error, rowError);
            largest = Math.Max(largest, rowLargest);
        }
        return (error, largest);
    }

    private static (double Error, double Largest) Compare(IReadOnlyList<KeyValuePair<string, Tensor>> perSample, int row, Tensor?[] reference)
    {
        double error = 0;
        double largest = 0;
        for (int i = 0; i < reference.Length; i++)
        {
            error = Math.Max(error, perSample[i].Value.select(0, row).sub(reference[i]!).abs().max().item());
            largest = Math.Max(largest, reference[i]!.abs().max().item());
        }
        return (error, largest);
    }

    private static Tensor ForwardWithDropoutSeed(Transformer model, LoraModel lora, Tensor inputs)
    {
        using var generator = new Generator(DropoutSeed);
        SetDropoutGenerator(lora, generator);
        try
        {
            return model.Forward(inputs);
        }
        finally
        {
            SetDropoutGenerator(lora, null);
        }
    }

    private static void SetDropoutGenerator(LoraModel lora, Generator? generator)
    {
        foreach (LoraLinear adapter in lora.Adapters)
        {
            adapter.DropoutGenerator = generator;
        }
    }

    private static T WithRowMaskedAdapters<T>(LoraModel lora, int row, Func<T> action)
    {
        using var generator = new Generator(DropoutSeed);
        foreach (LoraLinear adapter in lora.Adapters)
        {
            adapter.Target.Adapter = new RowMaskedLora(adapter, lora.Config.Dropout, generator, row, Rows);
        }
        try
        {
            return action();
        }
        finally
        {
            foreach (LoraLinear adapter in lora.Adapters)
            {
                adapter.Target.Adapter = adapter;
            }
        }
    }
}
