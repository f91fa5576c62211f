namespace FineTune.Privacy.Tests;

public sealed class TailSumsTests
{
    // Lengths around the checkpoint interval: exact multiples, one short, one over, and shorter than one interval.
    [Theory]
    [InlineData(1)]
    [InlineData(5)]
    [InlineData(TailSums.Interval)]
    [InlineData((3 * TailSums.Interval) - 1)]
    [InlineData((3 * TailSums.Interval) + 1)]
    [InlineData(1000)]
    public void At_EveryIndex_EqualsTheFullBackwardPassToTheBit(int length)
    {
        // Mass with rounding noise of both signs, as the FFT leaves it.
        var random = new Random(length);
        double[] pmf = Enumerable.Range(0, length).Select(_ => (random.NextDouble() - 0.1) * 1e-3).ToArray();
        double discount = Math.Exp(-0.0137);
        var tails = new TailSums(pmf, discount);

        double mass = 0.0;
        double discounted = 0.0;
        double noise = 0.0;
        for (int i = length - 1; i >= 0; i--)
        {
            mass += pmf[i];
            discounted = pmf[i] + (discount * discounted);
            noise -= 2 * Math.Min(pmf[i], 0.0);

            (double atMass, double atDiscounted, double atNoise) = tails.At(i);
            Assert.Equal(BitConverter.DoubleToInt64Bits(mass), BitConverter.DoubleToInt64Bits(atMass));
            Assert.Equal(BitConverter.DoubleToInt64Bits(discounted), BitConverter.DoubleToInt64Bits(atDiscounted));
            Assert.Equal(BitConverter.DoubleToInt64Bits(noise), BitConverter.DoubleToInt64Bits(atNoise));
        }
    }

    [Fact]
    public void At_OutsideTheGrid_Throws()
    {
        var tails = new TailSums([0.5, 0.5], 0.9);

        Assert.Throws<ArgumentOutOfRangeException>(() => tails.At(-1));
        Assert.Throws<ArgumentOutOfRangeException>(() => tails.At(2));
    }
}
