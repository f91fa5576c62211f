using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

/// <summary>
/// On CUDA every read of a tensor's value waits for the whole kernel queue; the trainer may read once per step (the
/// loss and gradient norm it reports), not once per micro-batch and again for the clip.
/// </summary>
public class TrainerHostReadTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(3)]
    public void Step_ReadsTheDeviceOnce_WhateverTheGradientAccumulation(int accumulation)
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(1);
        var config = new TrainingConfig
        {
            MaxSteps = 3,
            MicroBatchSize = 1,
            GradientAccumulation = accumulation,
            MaxSeqLength = 64,
            MaxGradNorm = 1e-3,
            WarmupRatio = 0,
            Lora = new LoraConfig { Rank = 2, Alpha = 4, Dropout = 0, TargetModules = ["q_proj", "v_proj"] },
        };
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(), [], config, Device.CPU);

        var readsPerStep = new List<long>();
        for (int i = 0; i < 3; i++)
        {
            long before = Tensor.HostReadsOnThisThread;
            StepReport report = trainer.Step();
            readsPerStep.Add(Tensor.HostReadsOnThisThread - before);
            Assert.True(double.IsFinite(report.Loss) && report.GradNorm > 1e-3, $"step {i + 1}: loss {report.Loss}, norm {report.GradNorm}");
        }

        Assert.Equal([1L, 1, 1], readsPerStep);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void DpStep_ReadsTheDeviceOnce_WhateverTheMicroBatches(bool packing)
    {
        // Per-sample norm statistics are added up on the device and read with the loss: not once per micro-batch.
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(1);
        var config = new TrainingConfig
        {
            MaxSteps = 3,
            MicroBatchSize = 1,
            MaxSeqLength = 64,
            WarmupRatio = 0,
            Packing = packing,
            Lora = new LoraConfig { Rank = 2, Alpha = 4, Dropout = 0, TargetModules = ["q_proj", "v_proj"] },
            Privacy = new PrivacyConfig { NoiseMultiplier = 0.5, MaxGradNorm = 1e-3, ExpectedBatchSize = 6, Seed = 11 },
        };
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(12), [], config, Device.CPU);

        var readsPerStep = new List<long>();
        var reports = new List<StepReport>();
        for (int i = 0; i < 3; i++)
        {
            long before = Tensor.HostReadsOnThisThread;
            reports.Add(trainer.Step());
            readsPerStep.Add(Tensor.HostReadsOnThisThread - before);
        }

        Assert.Equal([1L, 1, 1], readsPerStep);
        // Expected batch 6 of 12 records at micro-batch 1: several micro-batches a step, each of whose samples is clipped.
        Assert.All(reports.Where(r => r.Tokens > 0), r => Assert.True(r.GradNorm > 1e-3 && r.ClippedFraction == 1, $"step {r.Step}: norm {r.GradNorm}, clipped {r.ClippedFraction}"));
        Assert.Contains(reports, r => r.Tokens > 0);
    }
}
