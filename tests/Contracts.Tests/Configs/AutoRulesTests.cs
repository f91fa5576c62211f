using FineTune.Contracts.Configs;

namespace FineTune.Contracts.Tests.Configs;

public class AutoRulesTests
{
    [Theory]
    [InlineData(7_000_000_000L, 2e-4)]
    [InlineData(70_000_000_000L, 6.32e-5)]
    [InlineData(500_000_000L, 7.48e-4)]
    [InlineData(656_000L, 2e-2)]
    [InlineData(400_000_000_000L, 5e-5)]
    public void LearningRateFor_ModelSize_ScalesWithTheInverseSquareRoot(long parameters, double expected)
    {
        Assert.Equal(expected, AutoRules.LearningRateFor(parameters), expected * 0.01);
    }

    [Theory]
    [InlineData(1, 25)]
    [InlineData(10, 10)]
    [InlineData(24, 5)]
    [InlineData(34, 3)]
    [InlineData(1000, 3)]
    [InlineData(10_000, 2)]
    [InlineData(100_000, 1)]
    public void EpochsFor_DatasetSize_FollowsOpenAisRule(int examples, int expected)
    {
        Assert.Equal(expected, AutoRules.EpochsFor(examples));
    }
}
