
namespace FineTune.Privacy.Tests;

public sealed class FftTests
{
    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(8)]
    [InlineData(1 << 13)]
    public void Transform_Forward_MatchesDirectDft(int length)
    {
        double[] re = Signal(length, 0.37);
        double[] im = Signal(length, 1.91);
        (double[] expectedRe, double[] expectedIm) = DirectDft(re, im, sign: -1.0, sampleCount: Math.Min(length, 64));

        Fft.Transform(re, im, inverse: false);

        for (int k = 0; k < expectedRe.Length; k++)
        {
            Assert.Equal(expectedRe[k], re[k], 1e-9);
            Assert.Equal(expectedIm[k], im[k], 1e-9);
        }
    }

    [Fact]
    public void Transform_InverseOfForward_RestoresInput()
    {
        double[] re = Signal(1 << 15, 0.11);
        double[] im = Signal(1 << 15, 0.53);
        double[] originalRe = (double[])re.Clone();
        double[] originalIm = (double[])im.Clone();

        Fft.Transform(re, im, inverse: false);
        Fft.Transform(re, im, inverse: true);

        for (int i = 0; i < re.Length; i++)
        {
            Assert.Equal(originalRe[i], re[i], 1e-12);
            Assert.Equal(originalIm[i], im[i], 1e-12);
        }
    }

    [Fact]
    public void CircularConvolve_RealSequences_MatchesDirectConvolution()
    {
        double[] left = Signal(64, 0.2);
        double[] right = Signal(64, 0.9);

        double[] actual = Fft.CircularConvolve(left, right);

        for (int i = 0; i < 64; i++)
        {
            double expected = 0.0;
            for (int j = 0; j < 64; j++)
            {
                expected += left[j] * right[(i - j + 64) % 64];
            }

            Assert.Equal(expected, actual[i], 1e-12);
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(5)]
    public void CircularSelfConvolve_Power_MatchesRepeatedDirectConvolution(int power)
    {
        double[] values = [.. Signal(32, 0.7).Select(Math.Abs)];
        double[] expected = values;
        for (int p = 1; p < power; p++)
        {
            var next = new double[32];
            for (int i = 0; i < 32; i++)
            {
                for (int j = 0; j < 32; j++)
                {
                    next[(i + j) % 32] += expected[i] * values[j];
                }
            }

            expected = next;
        }

        double[] actual = Fft.CircularSelfConvolve(values, power);

        for (int i = 0; i < 32; i++)
        {
            Assert.Equal(expected[i], actual[i], Math.Abs(expected[i]) * 1e-12 + 1e-12);
        }
    }

    [Theory]
    [InlineData(1L, 1)]
    [InlineData(5L, 8)]
    [InlineData(391570L, 524288)]
    public void NextPowerOfTwo_Length_RoundsUp(long length, int expected)
    {
        Assert.Equal(expected, Fft.NextPowerOfTwo(length));
    }

    // Deterministic, non-periodic test signal.
    private static double[] Signal(int length, double phase) =>
        [.. Enumerable.Range(0, length).Select(i => Math.Sin(0.731 * i * i + phase) + 0.25 * Math.Cos(3.1 * i))];

    private static (double[] Re, double[] Im) DirectDft(double[] re, double[] im, double sign, int sampleCount)
    {
        int n = re.Length;
        var outRe = new double[sampleCount];
        var outIm = new double[sampleCount];
        for (int k = 0; k < sampleCount; k++)
        {
            for (int j = 0; j < n; j++)
            {
                (double sin, double cos) = Math.SinCos(sign * 2 * Math.PI * ((long)j * k % n) / n);
                outRe[k] += re[j] * cos - im[j] * sin;
                outIm[k] += re[j] * sin + im[j] * cos;
            }
        }

        return (outRe, outIm);
    }
}
