using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>Convolutions of real sequences through half-length complex FFTs.</summary>
internal static partial class Fft
{
    /// <summary>
    /// Circular convolution of two real sequences of the same power-of-two length (each zero-padded by the caller
    /// as needed).
    /// </summary>
    public static double[] CircularConvolve(double[] left, double[] right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.Length != right.Length)
        {
            throw new ArgumentException("Both sequences must have the same length.", nameof(right));
        }

        (double[] cos, double[] sin) = Twiddles(left.Length);
        (double[] leftRe, double[] leftIm) = RealForward(left, cos, sin);
        (double[] rightRe, double[] rightIm) = RealForward(right, cos, sin);
        for (int k = 0; k < leftRe.Length; k++)
        {
            double re = leftRe[k] * rightRe[k] - leftIm[k] * rightIm[k];
            leftIm[k] = leftRe[k] * rightIm[k] + leftIm[k] * rightRe[k];
            leftRe[k] = re;
        }

        return RealInverse(leftRe, leftIm, cos, sin);
    }

    /// <summary>
    /// The <paramref name="power"/>-fold circular self-convolution of a real sequence of power-of-two length: the
    /// inverse transform of its spectrum raised to that power, each coefficient taken in polar form
    /// |X|^n e^(i n arg X). Coefficients whose power underflows are set to zero without trigonometry.
    /// </summary>
    public static double[] CircularSelfConvolve(double[] values, int power)
    {
        ArgumentNullException.ThrowIfNull(values);
        ArgumentOutOfRangeException.ThrowIfLessThan(power, 1);
        (double[] cos, double[] sin) = Twiddles(values.Length);
        (double[] re, double[] im) = RealForward(values, cos, sin);
        RaiseToPower(re, im, power);
        return RealInverse(re, im, cos, sin);
    }

    // Each coefficient to the given power, |X|^n e^(i n arg X); coefficients whose power underflows become zero.
    private static void RaiseToPower(double[] re, double[] im, int power)
    {
        double halfPower = 0.5 * power;
        for (int k = 0; k < re.Length; k++)
        {
            double squaredMagnitude = re[k] * re[k] + im[k] * im[k];
            double magnitude = Math.Pow(squaredMagnitude, halfPower);
            if (magnitude == 0.0)
            {
                re[k] = 0.0;
                im[k] = 0.0;
                continue;
            }

            (double sinAngle, double cosAngle) = Math.SinCos(power * Math.Atan2(im[k], re[k]));
            re[k] = magnitude * cosAngle;
            im[k] = magnitude * sinAngle;
        }
    }

    // Spectrum X_0 .. X_{m/2} of a real sequence x of even length m. With z_j = x_{2j} + i x_{2j+1} and
    // Z = FFT_{m/2}(z): E_k = (Z_k + conj(Z_{m/2-k})) / 2 and O_k = (Z_k - conj(Z_{m/2-k})) / 2i are the spectra
    // of the even and odd samples, and X_k = E_k + W^k O_k with W = e^(-2 pi i / m).
    private static (double[] Re, double[] Im) RealForward(double[] x, double[] cos, double[] sin) =>
        RealForward(x, x.Length, cos, sin);

    // The same for x zero-padded to length m (x may be shorter: the samples past its end are zeros).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double[] Re, double[] Im) RealForward(double[] x, int m, double[] cos, double[] sin)
    {
        if (m < 2 || (m & (m - 1)) != 0 || x.Length > m)
        {
            throw new ArgumentException("The length must be a power of two of at least 2 and hold x.", nameof(m));
        }

        int half = m / 2;
        var zr = new double[half];
        var zi = new double[half];
        for (int j = 0; 2 * j < x.Length; j++)
        {
            zr[j] = x[2 * j];
            zi[j] = 2 * j + 1 < x.Length ? x[2 * j + 1] : 0.0;
        }

        Transform(zr, zi, inverse: false, cos, sin, 2);
        var re = new double[half + 1];
        var im = new double[half + 1];
        for (int k = 0; k <= half; k++)
        {
            int kk = k % half;
            int mirror = (half - k) % half;
            double evenRe = 0.5 * (zr[kk] + zr[mirror]);
            double evenIm = 0.5 * (zi[kk] - zi[mirror]);
            double oddRe = 0.5 * (zi[kk] + zi[mirror]);
            double oddIm = -0.5 * (zr[kk] - zr[mirror]);
            (double wr, double wi) = Twiddle(k, half, cos, sin, -1.0);
            re[k] = evenRe + wr * oddRe - wi * oddIm;
            im[k] = evenIm + wr * oddIm + wi * oddRe;
        }

        return (re, im);
    }

    // Inverse of RealForward: from X_0 .. X_{m/2} of a real sequence, E_k = (X_k + conj(X_{m/2-k})) / 2 and
    // O_k = (X_k - conj(X_{m/2-k})) W^-k / 2 give Z_k = E_k + i O_k, whose inverse FFT interleaves x.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[] RealInverse(double[] re, double[] im, double[] cos, double[] sin)
    {
        int half = re.Length - 1;
        var zr = new double[half];
        var zi = new double[half];
        for (int k = 0; k < half; k++)
        {
            int mirror = half - k;
            double evenRe = 0.5 * (re[k] + re[mirror]);
            double evenIm = 0.5 * (im[k] - im[mirror]);
            double diffRe = 0.5 * (re[k] - re[mirror]);
            double diffIm = 0.5 * (im[k] + im[mirror]);
            (double wr, double wi) = Twiddle(k, half, cos, sin, 1.0);
            double oddRe = diffRe * wr - diffIm * wi;
            double oddIm = diffRe * wi + diffIm * wr;
            zr[k] = evenRe - oddIm;
            zi[k] = evenIm + oddRe;
        }

        Transform(zr, zi, inverse: true, cos, sin, 2);
        var x = new double[2 * half];
        for (int j = 0; j < half; j++)
        {
            x[2 * j] = zr[j];
            x[2 * j + 1] = zi[j];
        }

        return x;
    }

    // e^(sign 2 pi i k / m) for 0 <= k <= m/2, from the table of the first half turn (index m/2 is -1).
    private static (double Re, double Im) Twiddle(int k, int half, double[] cos, double[] sin, double sign) =>
        k < half ? (cos[k], sign * sin[k]) : (-1.0, 0.0);
}
