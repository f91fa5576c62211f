
namespace FineTune.Privacy.Tests;

public sealed class PrivacyDeltaTests
{
    [Theory]
    [InlineData(2L)]
    [InlineData(1000L)]
    [InlineData(60000L)]
    [InlineData(10_000_000_000L)]
    public void Auto_Count_IsInverseCountToThePower1Point2(long count)
    {
        double delta = PrivacyDelta.Auto(count);

        Assert.Equal(Math.Pow(count, -1.2), delta, Math.Pow(count, -1.2) * 1e-14);
        Assert.True(delta < 1.0 / count);
    }

    [Theory]
    [InlineData(1L)]
    [InlineData(0L)]
    [InlineData(-5L)]
    public void Auto_CountBelowTwo_Throws(long tooFew)
    {
        Assert.Throws<ArgumentOutOfRangeException>("count", () => PrivacyDelta.Auto(tooFew));
    }
}
