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

        // z is transformed in the first half entries of the spectrum's own arrays: no second pair of this size.
        int half = m / 2;
        double[] re = FreshArrays.Doubles(half + 1);
        double[] im = FreshArrays.Doubles(half + 1);
        for (int j = 0; 2 * j < x.Length; j++)
        {
            re[j] = x[2 * j];
            im[j] = 2 * j + 1 < x.Length ? x[2 * j + 1] : 0.0;
        }

        Transform(re, im, half, inverse: false, cos, sin, 2);

        // X_k and X_{half - k} read the same two entries of Z, so each pair is computed before either is written.
        for (int k = 0; k <= half / 2; k++)
        {
            int mirror = (half - k) % half;
            double zkRe = re[k];
            double zkIm = im[k];
            double zmRe = re[mirror];
            double zmIm = im[mirror];
            (double xkRe, double xkIm) = RealSpectrumEntry(k, half, zkRe, zkIm, zmRe, zmIm, cos, sin);
            (double xmRe, double xmIm) = RealSpectrumEntry(half - k, half, zmRe, zmIm, zkRe, zkIm, cos, sin);
            re[k] = xkRe;
            im[k] = xkIm;
            re[half - k] = xmRe;
            im[half - k] = xmIm;
        }

        return (re, im);
    }

    // X_k from Z_k (zk) and Z_{half - k} (zm), indices mod half: E_k + W^k O_k.
    private static (double Re, double Im) RealSpectrumEntry(
        int k,
        int half,
        double zkRe,
        double zkIm,
        double zmRe,
        double zmIm,
        double[] cos,
        double[] sin)
    {
        double evenRe = 0.5 * (zkRe + zmRe);
        double evenIm = 0.5 * (zkIm - zmIm);
        double oddRe = 0.5 * (zkIm + zmIm);
        double oddIm = -0.5 * (zkRe - zmRe);
        (double wr, double wi) = Twiddle(k, half, cos, sin, -1.0);
        return (evenRe + (wr * oddRe) - (wi * oddIm), evenIm + (wr * oddIm) + (wi * oddRe));
    }

    // Inverse of RealForward, overwriting re and im: from X_0 .. X_{m/2} of a real sequence, E_k = (X_k + conj(X_{m/2-k})) / 2 and
    // O_k = (X_k - conj(X_{m/2-k})) W^-k / 2 give Z_k = E_k + i O_k, whose inverse FFT interleaves x.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double[] RealInverse(double[] re, double[] im, double[] cos, double[] sin)
    {
        // Z is built in place of the spectrum (entries 0 .. half - 1; Z_k and Z_{half - k} read the same pair).
        int half = re.Length - 1;
        for (int k = 0; k <= half / 2; k++)
        {
            int mirror = half - k;
            double xkRe = re[k];
            double xkIm = im[k];
            double xmRe = re[mirror];
            double xmIm = im[mirror];
            (double zkRe, double zkIm) = HalfSequenceEntry(k, half, xkRe, xkIm, xmRe, xmIm, cos, sin);
            re[k] = zkRe;
            im[k] = zkIm;
            if (k > 0 && mirror != k)
            {
                (double zmRe, double zmIm) = HalfSequenceEntry(mirror, half, xmRe, xmIm, xkRe, xkIm, cos, sin);
                re[mirror] = zmRe;
                im[mirror] = zmIm;
            }
        }

        Transform(re, im, half, inverse: true, cos, sin, 2);
        double[] x = FreshArrays.Doubles(2 * half);
        for (int j = 0; j < half; j++)
        {
            x[2 * j] = re[j];
            x[2 * j + 1] = im[j];
        }

        return x;
    }

    // Z_k = E_k + i O_k from X_k (xk) and X_{half - k} (xm).
    private static (double Re, double Im) HalfSequenceEntry(
        int k,
        int half,
        double xkRe,
        double xkIm,
        double xmRe,
        double xmIm,
        double[] cos,
        double[] sin)
    {
        double evenRe = 0.5 * (xkRe + xmRe);
        double evenIm = 0.5 * (xkIm - xmIm);
        double diffRe = 0.5 * (xkRe - xmRe);
        double diffIm = 0.5 * (xkIm + xmIm);
        (double wr, double wi) = Twiddle(k, half, cos, sin, 1.0);
        double oddRe = (diffRe * wr) - (diffIm * wi);
        double oddIm = (diffRe * wi) + (diffIm * wr);
        return (evenRe - oddIm, evenIm + oddRe);
    }

    // e^(sign 2 pi i k / m) for 0 <= k <= m/2, from the table of the first half turn (index m/2 is -1).
    private static (double Re, double Im) Twiddle(int k, int half, double[] cos, double[] sin, double sign) =>
        k < half ? (cos[k], sign * sin[k]) : (-1.0, 0.0);
}
