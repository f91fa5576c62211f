using FineTune.Contracts.Backends;
using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

public class AutoDefaultsTests
{
    [Fact]
    public void MicroBatchFor_GrowsWhenSequencesShrink_AndStaysInRange()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();

        int longSequences = AutoDefaults.MicroBatchFor(model.Config, model.ParameterCount, new TrainingConfig { MaxSeqLength = 100_000 }, WeightDType.Float32, Device.CPU);
        int shortSequences = AutoDefaults.MicroBatchFor(model.Config, model.ParameterCount, new TrainingConfig { MaxSeqLength = 16 }, WeightDType.Float32, Device.CPU);

        Assert.Equal(1, longSequences);
        Assert.True(shortSequences > longSequences);
        Assert.InRange(shortSequences, 1, AutoDefaults.MaxMicroBatch);
    }

    [Fact]
    public void MicroBatchFor_FillsTheFreeMemoryShareByTheEstimatesPerSequenceBytes()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        var config = new TrainingConfig { MaxSeqLength = 512 };
        long perSequence = MemoryEstimate.PerSequenceBytes(model.Config, config, WeightDType.BFloat16, cuda: true);
        long freeForTen = (long)Math.Ceiling(10 * perSequence / AutoDefaults.FreeMemoryShare);

        // On a GPU (no core count) memory alone decides: the placement estimate's per-sequence bytes, no other formula.
        Assert.Equal(10, AutoDefaults.MicroBatchFor(model.Config, model.ParameterCount, config, WeightDType.BFloat16, freeForTen, cpuCores: null));
        Assert.Equal(9, AutoDefaults.MicroBatchFor(model.Config, model.ParameterCount, config, WeightDType.BFloat16, freeForTen - perSequence, cpuCores: null));
        Assert.Equal(1, AutoDefaults.MicroBatchFor(model.Config, model.ParameterCount, config, WeightDType.BFloat16, freeBytes: 0, cpuCores: null));
        Assert.Equal(AutoDefaults.MaxMicroBatch, AutoDefaults.MicroBatchFor(model.Config, model.ParameterCount, config, WeightDType.BFloat16, 100 * freeForTen, cpuCores: null));
    }

    [Fact]
    public void MicroBatchFor_OnACpu_IsAlsoBoundByStepTime()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        var config = new TrainingConfig { MaxSeqLength = 512 };
        long plentyOfMemory = 1L << 40;

        int onTwoCores = AutoDefaults.MicroBatchFor(model.Config, model.ParameterCount, config, WeightDType.Float32, plentyOfMemory, cpuCores: 2);

        Assert.Equal(AutoDefaults.CpuSequencesPerStep(model.Config, model.ParameterCount, 512, cores: 2), onTwoCores);
        Assert.True(onTwoCores < AutoDefaults.MaxMicroBatch, "the step-time bound is below the cap here, so the test can see it");
    }

    [Fact]
    public void CpuSequencesPerStep_TwoCores_KeepsAStepNearTheTarget()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();

        // 2 cores at 1.5 GFLOP/s for 3 s hold 9 GFLOP: at T=512 tinystories costs ~2.1 GFLOP a sequence.
        long sequences = AutoDefaults.CpuSequencesPerStep(model.Config, model.ParameterCount, 512, cores: 2);
        long onSixteenCores = AutoDefaults.CpuSequencesPerStep(model.Config, model.ParameterCount, 512, cores: 16);

        Assert.InRange(sequences, 2, 6);
        Assert.InRange(onSixteenCores, (sequences * 8) - 8, (sequences * 8) + 8);
    }

    [Fact]
    public void Resolve_ReplacesOnlyTheAutoFields()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        var config = new TrainingConfig { AutoLearningRate = true, LearningRate = 1, MicroBatchSize = 3, AutoEpochs = true, Epochs = 9 };

        TrainingConfig resolved = AutoDefaults.Resolve(config, model, Device.CPU, trainingExamples: 10);

        Assert.Equal(AutoRules.LearningRateFor(model.ParameterCount), resolved.LearningRate);
        Assert.Equal(3, resolved.MicroBatchSize);
        Assert.Equal(10, resolved.Epochs);
        Assert.False(resolved.AutoLearningRate);
        Assert.False(resolved.AutoEpochs);
    }
}
