using System.Text.Json;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Jobs;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;
using Xunit.Abstractions;

namespace FineTune.Training.Tests.Train;

/// <summary>
/// Gradient checkpointing recomputes each block in backward; the losses and LoRA gradients must be the plain path's,
/// LoRA dropout included (the recompute must draw the forward's masks, and leave the stream where the plain path does).
/// </summary>
public sealed class GradientCheckpointingTests(ITestOutputHelper output)
{
    private const double Tolerance = 1e-5;
    private const int Steps = 3;

    private static TrainingConfig Config(bool packing, int gradientAccumulation, int? lossChunkTokens) => new()
    {
        MaxSteps = Steps,
        LearningRate = 5e-3,
        MicroBatchSize = 2,
        GradientAccumulation = gradientAccumulation,
        MaxSeqLength = 64,
        WarmupRatio = 0,
        Packing = packing,
        LossChunkTokens = lossChunkTokens,
        Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0.1, TargetModules = ["all-linear"] },
    };

    [Theory]
    [InlineData(true, 1, null)]
    [InlineData(false, 1, null)]
    [InlineData(true, 2, null)]
    [InlineData(false, 3, 5)]
    public void Steps_WithCheckpointing_HaveThePlainLossesAndGradients(bool packing, int gradientAccumulation, int? lossChunkTokens)
    {
        TrainingConfig config = Config(packing, gradientAccumulation, lossChunkTokens);

        (double[] plainLosses, List<double[][]> plainGradients) = Train(config, Steps);
        (double[] losses, List<double[][]> gradients) = Train(config with { GradientCheckpointing = true }, Steps);

        double worstRelative = 0;
        for (int step = 0; step < Steps; step++)
        {
            Assert.True(Math.Abs(plainLosses[step] - losses[step]) <= Tolerance * Math.Abs(plainLosses[step]), $"step {step + 1}: loss {plainLosses[step]:G9} plain vs {losses[step]:G9} checkpointed");
            for (int p = 0; p < plainGradients[step].Length; p++)
            {
                worstRelative = Math.Max(worstRelative, AssertAllClose(plainGradients[step][p], gradients[step][p], $"step {step + 1}, parameter {p}"));
            }
        }
        output.WriteLine($"largest gradient difference relative to its tensor's largest element: {worstRelative:G3}");
    }

    // A job spec's field reaches the trainer: with it each step runs the blocks twice (forward, then the recompute).
    [Theory]
    [InlineData(false, 1)]
    [InlineData(true, 2)]
    public void JobSpecField_ReachesTheTrainer(bool checkpointing, int forwardsPerMicroBatch)
    {
        using JsonDocument document = JsonDocument.Parse($$$"""
            {"model": "tinystories-656k", "training_file": "f",
             "hyperparameters": {"steps": 1, "batch_size": 2, "max_seq_len": 64, "gradient_checkpointing": {{{(checkpointing ? "true" : "false")}}}},
             "lora": {"r": 4, "alpha": 8, "dropout": 0.1}}
            """);
        var (spec, errors) = JobSpecParser.Parse(document.RootElement);
        Assert.Empty(errors);
        Assert.Equal(checkpointing, spec!.Config.GradientCheckpointing);

        int forwards = 0;
        Train(spec.Config with { MaxSteps = 1 }, 1, onLastBlockForward: () => forwards++);

        Assert.Equal(forwardsPerMicroBatch, forwards);
    }

    [Fact]
    public void Validate_CheckpointingUnderPrivacy_IsRefusedNamingTheField()
    {
        var config = new TrainingConfig { GradientCheckpointing = true, Privacy = new PrivacyConfig { NoiseMultiplier = 1, ExpectedBatchSize = 4, Delta = 1e-3 } };

        var error = Assert.Throws<ArgumentException>(config.Validate);

        Assert.Equal(nameof(TrainingConfig.GradientCheckpointing), error.ParamName);
        Assert.Contains("privacy", error.Message, StringComparison.Ordinal);
    }

    // Losses of each step and the LoRA gradients each step accumulated (before clipping), in parameter order. B starts
    // non-zero so A's gradient is not zero at step 1; onLastBlockForward counts the last block's down_proj forwards.
    private static (double[] Losses, List<double[][]> Gradients) Train(TrainingConfig config, int steps, Action? onLastBlockForward = null)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using (torch.no_grad())
        {
            lora.Adapters.ToList().ForEach(a => a.B.normal_(0, 0.1, generator).Dispose());
        }
        Linear last = model.Linears.Last();
        if (onLastBlockForward is not null)
        {
            last.Adapter = new CountingAdapter(last.Adapter!, onLastBlockForward);
        }
        var gradients = new List<double[][]>();
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(), [], config, Device.CPU)
        {
            GradientsReady = () => gradients.Add(lora.NamedParameters
                .Select(p =>
                {
                    using Tensor? gradient = p.Value.grad();
                    Assert.NotNull(gradient);
                    return gradient.to(ScalarType.Float64).ToArray<double>();
                })
                .ToArray()),
        };
        double[] losses = Enumerable.Range(0, steps).Select(_ => trainer.Step().Loss).ToArray();
        return (losses, gradients);
    }

    // Element-wise, relative to the tensor's largest magnitude (fp32 sums in another order differ in the last bits).
    private static double AssertAllClose(double[] expected, double[] actual, string what)
    {
        double scale = expected.Max(Math.Abs);
        Assert.True(scale > 0, $"{what}: the plain gradient is all zero, so the comparison would prove nothing");
        double worst = expected.Zip(actual, (e, a) => Math.Abs(e - a)).Max();
        Assert.True(worst <= Tolerance * scale, $"{what}: largest difference {worst:G3} against a scale of {scale:G3}");
        return worst / scale;
    }

    private sealed class CountingAdapter(ILinearAdapter inner, Action onForward) : ILinearAdapter
    {
        public Tensor Forward(Tensor input)
        {
            onForward();
            return inner.Forward(input);
        }

        // The LoRA model owns the inner adapter.
        public void Dispose()
        {
        }
    }
}
