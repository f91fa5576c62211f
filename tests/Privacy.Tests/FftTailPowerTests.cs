using Xunit.Abstractions;

namespace FineTune.Privacy.Tests;

public sealed class FftTailPowerTests(ITestOutputHelper output)
{
    private const int Length = 128;
    private const int Steps = 1_000_000;
    private const double Rate = 1e-5;

    // A step that is 1 with probability 1e-5, else 0, taken 1e6 times: Binomial(1e6, 1e-5), about Poisson(10).
    // Transforming the cells and raising to the power 1e6 leaves errors near T * 1.1e-16 = 1e-10 on every cell
    // (as large as delta 1e-10); from the tails the power must stay at the unit roundoff.
    [Fact]
    public void ConvolveTailPowers_MillionStepsOfBernoulli_MatchesBinomialToRoundoff()
    {
        double[] composed = Fft.ConvolveTailPowers([([Rate], [], Steps)], Length);

        double[] expected = Binomial();
        double worst = MaxError(composed, expected);
        output.WriteLine($"from tails: {worst:E2}; from cells: {MaxError(FromCells([1 - Rate, Rate]), expected):E2}");
        Assert.True(worst < 1e-14, $"max error {worst:E2}");
    }

    // The mirrored step, -1 with probability 1e-5, else 0 (the origin): the lower tail's term.
    [Fact]
    public void ConvolveTailPowers_MillionStepsBelowOrigin_MatchesMirroredBinomialToRoundoff()
    {
        double[] composed = Fft.ConvolveTailPowers([([], [Rate], Steps)], Length);

        // The sum is -B: index (Length - j) mod Length holds P(B = j).
        double[] expected = Binomial();
        var mirrored = new double[Length];
        for (int j = 0; j < Length; j++)
        {
            mirrored[(Length - j) % Length] = expected[j];
        }

        Assert.True(MaxError(composed, mirrored) < 1e-14, $"max error {MaxError(composed, mirrored):E2}");
    }

    // Two parts multiply: 2 + 3 steps of {-1: 0.25, 0: 0.45, 1: 0.3} equal 5 steps of it.
    [Fact]
    public void ConvolveTailPowers_TwoParts_EqualOnePartWithSummedPower()
    {
        double[] parts = Fft.ConvolveTailPowers([([0.3], [0.25], 2), ([0.3], [0.25], 3)], 16);
        double[] whole = Fft.ConvolveTailPowers([([0.3], [0.25], 5)], 16);
        double[] direct = FromCells([0.25, 0.45, 0.3], power: 5);

        for (int i = 0; i < 16; i++)
        {
            // FromCells puts cell 0 (value -1) at index 0, so its sum of 5 sits 5 cells right of the origin sum.
            Assert.Equal(direct[(i + 5) % 16], whole[i], 1e-15);
            Assert.Equal(whole[i], parts[i], 1e-15);
        }
    }

    // Lower tails longer than the direct-sum limit (16) go through the FFT; both paths must give the cells' power.
    [Theory]
    [InlineData(5)]
    [InlineData(40)]
    public void ConvolveTailPowers_LowerTailLength_MatchesCellsPower(int lowerCells)
    {
        // Cells 0 .. lowerCells - 1 below the origin (index lowerCells), 3 above it, masses 1, 2, 3, ... normalised.
        int cells = lowerCells + 4;
        double total = cells * (cells + 1) / 2.0;
        double[] masses = [.. Enumerable.Range(1, cells).Select(i => i / total)];
        double[] lower = [.. Enumerable.Range(0, lowerCells).Select(l => masses.Take(lowerCells - l).Sum())];
        double[] upper = [.. Enumerable.Range(0, 3).Select(l => masses.Skip(lowerCells + l + 1).Sum())];

        double[] composed = Fft.ConvolveTailPowers([(upper, lower, 3)], 256);

        var padded = new double[256];
        masses.CopyTo(padded, 0);
        double[] direct = Fft.CircularSelfConvolve(padded, 3);
        for (int i = 0; i < 256; i++)
        {
            // The cells' array starts lowerCells below the origin, so its sum of 3 starts 3 lowerCells below.
            Assert.Equal(direct[(i + 3 * lowerCells) % 256], composed[i], 1e-15);
        }
    }

    private static double[] FromCells(double[] cells, int power = Steps)
    {
        var values = new double[cells.Length > 3 ? cells.Length : (power == Steps ? Length : 16)];
        cells.CopyTo(values, 0);
        return Fft.CircularSelfConvolve(values, power);
    }

    // P(B = j) by the ratio recurrence from (1 - q)^T, each term within a few ulps.
    private static double[] Binomial()
    {
        var pmf = new double[Length];
        pmf[0] = Math.Exp(Steps * SpecialFunctions.Log1P(-Rate));
        for (int j = 0; j + 1 < Length; j++)
        {
            pmf[j + 1] = pmf[j] * (Steps - j) / (j + 1) * (Rate / (1 - Rate));
        }

        return pmf;
    }

    private static double MaxError(double[] actual, double[] expected) =>
        actual.Zip(expected, (a, e) => Math.Abs(a - e)).Max();
}
