using System.Text.Json;
using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Contracts.Jobs;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;
using Xunit.Abstractions;

namespace FineTune.Training.Tests.Train;

/// <summary>
/// DP-SGD with packing through the trainer: the Poisson-sampled records share rows, yet the privacy accounting and
/// the sampled data are those of the unpacked run, and a job spec asking for packing under DP trains.
/// </summary>
public sealed class DpPackingTests(ITestOutputHelper output)
{
    private static TrainingConfig Config(bool packing, PrivacyConfig privacy) => new()
    {
        MaxSteps = 5,
        LearningRate = 5e-3,
        MicroBatchSize = 4,
        MaxSeqLength = 128,
        WarmupRatio = 0,
        Packing = packing,
        Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["q_proj", "v_proj"] },
        Privacy = privacy,
    };

    private static List<StepReport> Steps(TrainingConfig config, int count)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(), [], config, Device.CPU);
        return Enumerable.Range(0, count).Select(_ => trainer.Step()).ToList();
    }

    [Fact]
    public void Packing_LeavesTheSampledDataAndTheEpsilonPerStepUnchanged()
    {
        var privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = 4, Delta = 1e-3, Seed = 12 };

        List<StepReport> unpacked = Steps(Config(packing: false, privacy), 5);
        List<StepReport> packed = Steps(Config(packing: true, privacy), 5);

        for (int i = 0; i < unpacked.Count; i++)
        {
            output.WriteLine($"step {i + 1}: tokens {unpacked[i].Tokens}/{packed[i].Tokens}, eps {unpacked[i].Epsilon}/{packed[i].Epsilon}, loss {unpacked[i].Loss}/{packed[i].Loss}");
            // The same records sampled (the same tokens), and the same ε charged, step by step.
            Assert.Equal(unpacked[i].Tokens, packed[i].Tokens);
            Assert.Equal(unpacked[i].Epsilon!.Value, packed[i].Epsilon!.Value, 12);
        }
        Assert.Contains(unpacked, s => s.Tokens > 0);
        // The first step starts from the same adapters, so the per-token losses agree too.
        int first = unpacked.FindIndex(s => s.Tokens > 0);
        Assert.Equal(unpacked[first].Loss, packed[first].Loss, 4);
    }

    [Fact]
    public void JobSpecWithPackingUnderDp_IsAcceptedAndTrains()
    {
        using JsonDocument document = JsonDocument.Parse("""
            {"model": "tinystories-656k", "training_file": "f",
             "hyperparameters": {"steps": 12, "batch_size": 6, "learning_rate": 0.01, "max_seq_len": 128, "warmup_ratio": 0, "packing": true},
             "lora": {"r": 4, "alpha": 8, "dropout": 0, "target_modules": ["q_proj", "v_proj"]},
             "privacy": {"noise_multiplier": 0.05, "expected_batch_size": 6, "delta": 0.001, "max_grad_norm": 1, "seed": 3}}
            """);
        var (spec, errors) = JobSpecParser.Parse(document.RootElement);
        Assert.Empty(errors);
        TrainingConfig config = spec!.Config;
        Assert.True(config.Packing);
        Assert.NotNull(config.Privacy);

        List<StepReport> steps = Steps(config, 12);

        double first = steps[0].Loss;
        double last = steps.TakeLast(3).Average(s => s.Loss);
        output.WriteLine($"loss {first:F4} -> {last:F4}; eps {steps[^1].Epsilon:F3}");
        Assert.True(last < first - 0.05, $"the loss did not fall: {first:F4} -> {last:F4}");
    }
}
