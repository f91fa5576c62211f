using FineTune.Contracts.Configs;
using FineTune.Contracts.Events;
using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

public sealed class CheckpointScheduleTests
{
    [Fact]
    public void EpochEnds_AreCheckpointed_ButNotTheFinalStep()
    {
        var schedule = new CheckpointSchedule(saveEvery: 0, totalSteps: 12, stepsPerEpoch: 4, epochs: 3);

        Assert.Equal([4L, 8], schedule.EpochEnds);
        Assert.Equal([4L, 8], Enumerable.Range(0, 14).Select(s => (long)s).Where(schedule.IsDue));
    }

    [Fact]
    public void FractionalEpochs_EndAtTheStepThatCompletesThem()
    {
        // 2.5 steps an epoch: epoch 1 ends in step 3, epoch 2 in step 5; a half epoch more makes 8 steps, the end.
        var schedule = new CheckpointSchedule(saveEvery: 0, totalSteps: 8, stepsPerEpoch: 2.5, epochs: 3.2);

        Assert.Equal([3L, 5], schedule.EpochEnds);
    }

    [Fact]
    public void PeriodicAndEpochCheckpoints_Combine()
    {
        var schedule = new CheckpointSchedule(saveEvery: 5, totalSteps: 12, stepsPerEpoch: 4, epochs: 3);

        Assert.Equal([4L, 5, 8, 10], Enumerable.Range(0, 14).Select(s => (long)s).Where(schedule.IsDue));
    }

    [Fact]
    public void RunsCountingSteps_CheckpointOnlyPeriodically()
    {
        var schedule = new CheckpointSchedule(saveEvery: 0, totalSteps: 12, stepsPerEpoch: null, epochs: 1);

        Assert.Empty(schedule.EpochEnds);
        Assert.DoesNotContain(Enumerable.Range(0, 14).Select(s => (long)s), schedule.IsDue);
    }

    [Fact]
    public void ManyEpochs_CheckpointEveryMthEpoch_AtMostTwentyTimes()
    {
        // 100 epochs of one step each: every 5th epoch, 19 checkpoints before the end (epoch 100 is the end itself).
        var schedule = new CheckpointSchedule(saveEvery: 0, totalSteps: 100, stepsPerEpoch: 1, epochs: 100);

        Assert.Equal(Enumerable.Range(1, 19).Select(i => 5L * i), schedule.EpochEnds);
        Assert.True(schedule.EpochEnds.Count <= CheckpointSchedule.MaxEpochCheckpoints);
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Trainer_OverThreeEpochs_CheckpointsEachEpochsEndUnlessTurnedOff(bool saveEachEpoch)
    {
        string folder = Path.Combine(Path.GetTempPath(), "finetune-epochs-" + Guid.NewGuid().ToString("N"));
        try
        {
            // Unpacked rows, 2 a step: a whole number of steps an epoch, three epochs.
            var config = new TrainingConfig
            {
                Epochs = 3, MicroBatchSize = 2, MaxSeqLength = 64, Packing = false, SaveEachEpoch = saveEachEpoch,
                Lora = new LoraConfig { Rank = 2, Dropout = 0, TargetModules = ["q_proj"] },
            };
            using Transformer model = TinyStoriesFixture.LoadModel();
            using var generator = new Generator(1);
            using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
            var callbacks = new Recorder();
            using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(8), [], config, Device.CPU) { Callbacks = callbacks };

            trainer.Run(folder, TinyStoriesFixture.ModelFolder);

            long perEpoch = trainer.TotalSteps / 3;
            Assert.Equal(3 * perEpoch, trainer.TotalSteps);
            long[] expected = saveEachEpoch ? [perEpoch, 2 * perEpoch] : [];
            Assert.Equal(expected, callbacks.Checkpoints.Select(c => c.Step));
            Assert.All(callbacks.Checkpoints, c => Assert.True(File.Exists(Path.Combine(c.Folder, "adapter_model.safetensors")), c.Folder));
        }
        finally
        {
            if (Directory.Exists(folder))
            {
                Directory.Delete(folder, recursive: true);
            }
        }
    }

    [Fact]
    public void DpTrainer_WhoseRecordsAreNotAMultipleOfTheExpectedBatch_EndsEpochsAtTheFractionalSteps()
    {
        // 6 records at an expected batch of 4 are 1.5 logical steps an epoch: three epochs are 5 steps, and epochs 1
        // and 2 end in steps 2 and 3 (integer division made it 1 step an epoch: checkpoints at 1, 2 and 3).
        var config = new TrainingConfig
        {
            Epochs = 3, MicroBatchSize = 2, MaxSeqLength = 64, Packing = false,
            Lora = new LoraConfig { Rank = 2, Dropout = 0, TargetModules = ["q_proj"] },
            Privacy = new PrivacyConfig { NoiseMultiplier = 1.0, ExpectedBatchSize = 4, Delta = 1e-3, Seed = 5 },
        };
        using Transformer model = TinyStoriesFixture.LoadModel();
        using var generator = new Generator(1);
        using LoraModel lora = LoraModel.Attach(model, config.Lora, generator);
        using var trainer = new Trainer(model, lora, TinyStoriesFixture.Examples(6), [], config, Device.CPU);

        Assert.Equal(5, trainer.TotalSteps);
        Assert.Equal([2L, 3], trainer.Checkpoints.EpochEnds);
    }

    private sealed class Recorder : ITrainingCallbacks
    {
        public List<(long Step, string Folder)> Checkpoints { get; } = new();

        public void OnCheckpoint(long step, string folder) => Checkpoints.Add((step, folder));
    }
}
