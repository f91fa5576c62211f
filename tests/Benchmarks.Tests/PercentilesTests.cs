namespace FineTune.Benchmarks.Tests;

/// <summary>Nearest-rank percentiles: every figure is one of the measured samples, never an interpolation.</summary>
public sealed class PercentilesTests
{
    [Theory]
    [InlineData(0.0, 1)]
    [InlineData(0.5, 5)]
    [InlineData(0.9, 9)]
    [InlineData(0.91, 10)]
    [InlineData(0.99, 10)]
    [InlineData(1.0, 10)]
    public void Of_TenSamples_IsTheSmallestSampleWithThatShareAtOrBelowIt(double fraction, double expected)
    {
        double[] sorted = Percentiles.Sorted([7, 3, 10, 1, 5, 9, 2, 8, 4, 6]);

        Assert.Equal(expected, Percentiles.Of(sorted, fraction));
    }

    [Fact]
    public void Of_NoSamples_IsNaN()
    {
        Assert.True(double.IsNaN(Percentiles.Of([], 0.5)));
    }

    [Fact]
    public void Of_FractionAboveOne_Throws()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Percentiles.Of([1.0], 1.5));
    }
}
