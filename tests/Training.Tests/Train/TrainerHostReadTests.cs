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
}
