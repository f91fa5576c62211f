using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Privacy;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

public sealed class DpTrainerTests : IDisposable
{
    private readonly string _folder = Path.Combine(Path.GetTempPath(), "finetune-dp-" + Guid.NewGuid().ToString("N"));

    public void Dispose()
    {
        if (Directory.Exists(_folder))
        {
            Directory.Delete(_folder, recursive: true);
        }
    }

    private static TrainingConfig Config(long? steps, PrivacyConfig privacy) => new()
    {
        MaxSteps = steps,
        LearningRate = 5e-3,
        MicroBatchSize = 2,
        MaxSeqLength = 64,
        WarmupRatio = 0,
        Packing = false,
        Lora = new LoraConfig { Rank = 4, Alpha = 8, Dropout = 0, TargetModules = ["q_proj", "v_proj"] },
        Privacy = privacy,
    };

    private static TrainingResult Train(TrainingConfig config, string output, List<TokenizedExample>? examples = null, string? resumeFrom = null)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        examples ??= TinyStoriesFixture.Examples();
        using var trainer = new Trainer(model, lora, examples, [], config, Device.CPU);
        return trainer.Run(output, "tinystories-656k", resumeFrom);
    }

    [Fact]
    public void DpRun_ReportsTheEpsilonTheAccountantGivesForItsSigmaRateAndSteps()
    {
        var privacy = new PrivacyConfig { NoiseMultiplier = 1.1, ExpectedBatchSize = 3, Delta = 1e-3, Seed = 5 };

        TrainingResult result = Train(Config(8, privacy), _folder);

        PrivacyReport report = result.Privacy!;
        var accountant = new RdpAccountant();
        accountant.Step(1.1, 0.5, 8);
        Assert.Equal(0.5, report.SampleRate);
        Assert.Equal(8, report.Steps);
        Assert.Equal(accountant.GetEpsilon(1e-3), report.Epsilon, 12);
        Assert.Equal((PrivacyReport.FixedSeedSource, (long?)5), (report.SeedSource, report.Seed));
        Assert.Equal("record", report.Unit);
        Assert.Contains("\"epsilon\"", File.ReadAllText(Path.Combine(_folder, "result.json")));
        Assert.Contains("\"noise_multiplier\": 1.1", File.ReadAllText(Path.Combine(_folder, "privacy.json")));
    }

    [Fact]
    public void DpRun_WithOsSeeds_PublishesNoSeedInAnyOutputFile()
    {
        // Whoever holds the sampling and noise seeds can regenerate the batches and the noise and subtract it.
        var privacy = new PrivacyConfig { NoiseMultiplier = 1.1, ExpectedBatchSize = 3, Delta = 1e-3 };

        TrainingResult result = Train(Config(4, privacy) with { SaveEvery = 2 }, _folder);

        Assert.Equal((PrivacyReport.OsCsprngSeedSource, (long?)null), (result.Privacy!.SeedSource, result.Privacy.Seed));
        string privacyJson = File.ReadAllText(Path.Combine(_folder, "privacy.json"));
        Assert.Contains("\"seed_source\": \"os_csprng\"", privacyJson, StringComparison.Ordinal);
        Assert.Contains("\"seed\": null", privacyJson, StringComparison.Ordinal);
        foreach (string file in Directory.EnumerateFiles(_folder))
        {
            string text = File.ReadAllText(file);
            Assert.DoesNotContain("noise_seed", text, StringComparison.OrdinalIgnoreCase);
            Assert.DoesNotContain("sampler_seed", text, StringComparison.OrdinalIgnoreCase);
        }
        // Only the checkpoint, which the service never serves, keeps the state a resumed run needs.
        Assert.Contains("sampler_seed", File.ReadAllText(Path.Combine(_folder, "checkpoint-2", "trainer_state.json")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DpSteps_MaterializedOrInTwoPasses_TrainTheSameAdapter(bool packing)
    {
        // Small micro-batches materialize their per-sample gradients; large ones read them in two passes. C clips some.
        var privacy = new PrivacyConfig { NoiseMultiplier = 0.7, ExpectedBatchSize = 4, Delta = 1e-3, MaxGradNorm = 0.5, Seed = 21 };
        TrainingConfig config = Config(4, privacy) with { Packing = packing, MicroBatchSize = 4 };
        (double[] materializedLosses, float[] materialized) = TrainSteps(config, DpTraining.DefaultMaterializedGradientBytes);
        (double[] twoPassLosses, float[] twoPass) = TrainSteps(config, materializeUpToBytes: 0);

        double error = materialized.Zip(twoPass, (a, b) => Math.Abs(a - b)).Max();
        Assert.Equal(materializedLosses, twoPassLosses, (a, b) => Math.Abs(a - b) <= 1e-5 || (double.IsNaN(a) && double.IsNaN(b)));
        Assert.True(materialized.Max(Math.Abs) > 1e-3, "the adapter must have moved");
        Assert.True(error <= 1e-5, $"adapters differ by {error:E2}");
    }

    private static (double[] Losses, float[] Adapter) TrainSteps(TrainingConfig config, long materializeUpToBytes)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(), [], config, Device.CPU) { DpMaterializedGradientBytes = materializeUpToBytes };
        double[] losses = Enumerable.Range(0, 4).Select(_ => trainer.Step().Loss).ToArray();
        return (losses, lora.FlatValues!.ToArray<float>());
    }

    [Fact]
    public void DpSteps_ReportTheMeanSampleNormAndTheClippedFraction()
    {
        // C is tiny, so every sampled row's gradient exceeds it; empty Poisson batches report NaN, never a fake 0.
        var privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = 3, Delta = 1e-3, MaxGradNorm = 1e-6, Seed = 9 };
        var steps = new List<StepReport>();
        using Transformer model = TinyStoriesFixture.LoadModel();
        TrainingConfig config = Config(6, privacy);
        using var generator = new Generator(config.Seed);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(), [], config, Device.CPU);

        for (int i = 0; i < 6; i++)
        {
            steps.Add(trainer.Step());
        }

        Assert.Contains(steps, s => !double.IsNaN(s.Loss));
        Assert.All(steps, s =>
        {
            bool sampled = !double.IsNaN(s.Loss);
            Assert.Equal(sampled, double.IsFinite(s.GradNorm) && s.GradNorm > 1e-6);
            Assert.Equal(sampled ? 1.0 : double.NaN, s.ClippedFraction);
        });
    }

    [Fact]
    public void ExplicitSigmaWithTarget_StopsBeforeTheStepThatWouldPassTheBudget()
    {
        var privacy = new PrivacyConfig { NoiseMultiplier = 0.8, TargetEpsilon = 4, ExpectedBatchSize = 3, Delta = 1e-3, Seed = 6 };

        TrainingResult result = Train(Config(500, privacy), _folder);

        Assert.Equal(StopReason.PrivacyBudget, result.StopReason);
        Assert.Contains("\"stop_reason\": \"privacy_budget\"", File.ReadAllText(Path.Combine(_folder, "result.json")));
        Assert.True(result.Privacy!.Epsilon <= 4);
        var accountant = new RdpAccountant();
        accountant.Step(0.8, 0.5, (int)result.Steps + 1);
        Assert.True(accountant.GetEpsilon(1e-3) > 4, "one more step would have stayed within the budget");
    }

    [Fact]
    public void TargetEpsilonAlone_CalibratesSigmaForThePlannedSteps()
    {
        var privacy = new PrivacyConfig { TargetEpsilon = 3, ExpectedBatchSize = 3, Delta = 1e-3, Seed = 7 };

        TrainingResult result = Train(Config(6, privacy), _folder);

        Assert.Equal(StopReason.MaxSteps, result.StopReason);
        double expectedSigma = NoiseCalibration.GetNoiseMultiplier(3, 1e-3, 0.5, 6, "rdp");
        Assert.Equal(expectedSigma, result.Privacy!.NoiseMultiplier, 12);
        Assert.InRange(result.Privacy.Epsilon, 3 - 0.011, 3);
    }

    [Fact]
    public void Resume_UnderDp_ReproducesLossesAndEpsilon()
    {
        var privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = 3, Delta = 1e-3, Seed = 8 };
        TrainingResult full = Train(Config(6, privacy), Path.Combine(_folder, "full"));
        Train(Config(6, privacy) with { SaveEvery = 3 }, Path.Combine(_folder, "cut"));

        TrainingResult resumed = Train(Config(6, privacy), Path.Combine(_folder, "resumed"), resumeFrom: Path.Combine(_folder, "cut", "checkpoint-3"));

        Assert.Equal(full.LossHistory, resumed.LossHistory);
        Assert.Equal(full.Privacy!.Epsilon, resumed.Privacy!.Epsilon, 12);
        Assert.Equal(6, resumed.Privacy.Steps);
    }

    [Fact]
    public void EntityLevel_SamplesEntitiesNotRecords()
    {
        var examples = TinyStoriesFixture.Examples().Select((e, i) => e with { EntityKey = $"person{i % 2}" }).ToList();
        var privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = 1, Delta = 1e-3, Seed = 9, EntityLevel = true };

        TrainingResult result = Train(Config(3, privacy) with { MaxSeqLength = 256 }, _folder, examples);

        Assert.Equal(2, result.Privacy!.Units);
        Assert.Equal("entity", result.Privacy.Unit);
        Assert.Equal(0.5, result.Privacy.SampleRate);
    }
}
