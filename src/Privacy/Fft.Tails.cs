using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>Composition of distributions given by their tails, with the spectrum kept accurate near 1.</summary>
internal static partial class Fft
{
    // Tails this short are transformed by direct sums rather than an FFT of the whole length.
    private const int DirectTransformLimit = 16;

    // e^-800 is below the smallest double: a log-magnitude under this is an exact zero.
    private const double UnderflowLogMagnitude = -800.0;

    /// <summary>
    /// The circular convolution of distributions on the integers mod the length, each with itself its power of
    /// times. Each is given around an origin cell c by its tails, Upper[l] = P(X &gt;= c + l + 1) and
    /// Lower[l] = P(X &lt;= c - l - 1); entry j of the result is the mass of the sum at sum(power * c) + j.
    /// </summary>
    /// <remarks>
    /// Raising a spectrum X_k to the power T multiplies its rounding error by T: a transform of the cells has
    /// errors of about 1e-16 next to X_k near 1, so at T = 1e6 the composed mass carries noise near 1e-10. Here
    /// Y_k = 1 - X_k (about the origin) is computed instead, by summation by parts,
    /// 1 - w^(m k) = (1 - w^k) (1 + w^k + ... + w^((m - 1) k)), as
    /// Y_k = (1 - w^k) FFT(Upper)_k + (1 - w^-k) conj(FFT(Lower)_k), w = e^(-2 pi i / n):
    /// the small factor 1 - w^k is exact to rounding, so Y_k is accurate relative to its own size, and
    /// X_k^T = exp(T log1p(-Y_k)) keeps that accuracy. The log spectra of all parts are summed and exponentiated
    /// once.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double[] ConvolveTailPowers(IReadOnlyList<(double[] Upper, double[] Lower, int Power)> parts, int length)
    {
        ArgumentNullException.ThrowIfNull(parts);
        if (length < 4 || (length & (length - 1)) != 0)
        {
            throw new ArgumentException("The length must be a power of two of at least 4.", nameof(length));
        }

        (double[] cos, double[] sin) = Twiddles(length);
        int half = length / 2;

        // The summed log spectrum lives in the first part's own spectrum arrays, written over as they are read:
        // fresh memory is slow to come by (the kernel zeroes each page), and these arrays are the largest.
        double[]? logMagnitude = null;
        double[]? angle = null;
        foreach ((double[] upper, double[] lower, int power) in parts)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(power, 1);
            if (upper.Length > length || lower.Length > length)
            {
                throw new ArgumentException("A part's tails do not fit in the transform length.", nameof(parts));
            }

            bool first = logMagnitude is null;
            (double[] upperRe, double[] upperIm) = RealForward(upper, length, cos, sin);
            (double[] lowerRe, double[] lowerIm) = lower.Length > DirectTransformLimit
                ? RealForward(lower, length, cos, sin)
                : ([], []);
            logMagnitude ??= upperRe;
            angle ??= upperIm;
            for (int k = 1; k <= half; k++)
            {
                double logSoFar = first ? 0.0 : logMagnitude[k];
                double angleSoFar = first ? 0.0 : angle[k];
                if (logSoFar < UnderflowLogMagnitude)
                {
                    // The product already underflows: no factor can bring it back.
                    continue;
                }

                double uRe = upperRe[k];
                double uIm = upperIm[k];
                (double lRe, double lIm) = lowerRe.Length > 0
                    ? (lowerRe[k], lowerIm[k])
                    : DirectCoefficient(lower, k, length, cos, sin);

                // w^k = c + i s with s = -sin(2 pi k / n); 1 - c without cancellation for small angles.
                (double c, double s) = Twiddle(k, half, cos, sin, -1.0);
                double oneMinusCos = c > 0 ? s * s / (1 + c) : 1 - c;
                double yRe = oneMinusCos * (uRe + lRe) + s * (uIm + lIm);
                double yIm = oneMinusCos * (uIm - lIm) + s * (lRe - uRe);

                // log(1 - Y) = log|1 - Y| + i arg(1 - Y). Near |1 - Y| = 1, from |1 - Y|^2 - 1 = -2 Re Y + |Y|^2
                // (relative to Y); far from it, from 1 - Y itself, whose square would lose a tiny |1 - Y| to rounding.
                double squaredMinusOne = yRe * (yRe - 2) + yIm * yIm;
                if (power * 0.5 * squaredMinusOne < UnderflowLogMagnitude)
                {
                    // log1p(x) <= x: |X_k|^T is below e^-800 and underflows to 0 (most high frequencies of long runs).
                    logMagnitude[k] = double.NegativeInfinity;
                    angle[k] = 0.0;
                    continue;
                }

                logMagnitude[k] = logSoFar + (squaredMinusOne > -0.5
                    ? power * 0.5 * SpecialFunctions.Log1P(squaredMinusOne)
                    : power * Math.Log(double.Hypot(1 - yRe, yIm)));
                angle[k] = angleSoFar + power * Math.Atan2(-yIm, 1 - yRe);
            }
        }

        if (logMagnitude is null || angle is null)
        {
            throw new ArgumentException("Need at least one part.", nameof(parts));
        }

        // X_0 = 1 exactly (the total mass); the others from their summed logarithms, written over them.
        double[] re = logMagnitude;
        double[] im = angle;
        re[0] = 1.0;
        im[0] = 0.0;
        for (int k = 1; k <= half; k++)
        {
            double magnitude = Math.Exp(logMagnitude[k]);
            if (magnitude == 0.0)
            {
                re[k] = 0.0;
                im[k] = 0.0;
                continue;
            }

            (double sinAngle, double cosAngle) = Math.SinCos(angle[k]);
            re[k] = magnitude * cosAngle;
            im[k] = magnitude * sinAngle;
        }

        return RealInverse(re, im, cos, sin);
    }

    // Coefficient X_k of a short sequence by its direct sum, twiddles read from the table at j k mod n: a few
    // terms per frequency cost less than a transform of the whole length.
    private static (double Re, double Im) DirectCoefficient(double[] values, int k, int length, double[] cos, double[] sin)
    {
        int half = length / 2;
        double sumRe = 0.0;
        double sumIm = 0.0;
        int index = 0;
        for (int j = 0; j < values.Length; j++)
        {
            (double c, double s) = index <= half
                ? Twiddle(index, half, cos, sin, -1.0)
                : Conjugate(Twiddle(length - index, half, cos, sin, -1.0));
            sumRe += values[j] * c;
            sumIm += values[j] * s;
            index += k;
            index -= index >= length ? length : 0;
        }

        return (sumRe, sumIm);
    }

    private static (double Re, double Im) Conjugate((double Re, double Im) value) => (value.Re, -value.Im);
}
