using FineTune.Torch;
using FineTune.Training.Model;
using FineTune.Training.Train;

namespace FineTune.Training.Tests.Train;

public class AutoDefaultsTests
{
    [Theory]
    [InlineData(656_000L, 2e-4)]
    [InlineData(1_200_000_000L, 2e-4)]
    [InlineData(8_000_000_000L, 1e-4)]
    [InlineData(70_000_000_000L, 5e-5)]
    public void LearningRateFor_ModelSize_FollowsLoraRecipes(long parameters, double expected)
    {
        Assert.Equal(expected, AutoDefaults.LearningRateFor(parameters));
    }

    [Fact]
    public void MicroBatchFor_GrowsWhenSequencesShrink_AndStaysInRange()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();

        int longSequences = AutoDefaults.MicroBatchFor(model.Config, 100_000, Device.CPU);
        int shortSequences = AutoDefaults.MicroBatchFor(model.Config, 128, Device.CPU);

        Assert.InRange(longSequences, 1, AutoDefaults.MaxMicroBatch);
        Assert.True(shortSequences >= longSequences);
        Assert.Equal(AutoDefaults.MaxMicroBatch, shortSequences);
    }

    [Fact]
    public void Resolve_ReplacesOnlyTheAutoFields()
    {
        using Transformer model = TinyStoriesFixture.LoadModel();
        var config = new TrainingConfig { AutoLearningRate = true, LearningRate = 1, MicroBatchSize = 3 };

        TrainingConfig resolved = AutoDefaults.Resolve(config, model, Device.CPU);

        Assert.Equal(2e-4, resolved.LearningRate);
        Assert.Equal(3, resolved.MicroBatchSize);
        Assert.False(resolved.AutoLearningRate);
    }
}
