using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// In-place iterative radix-2 complex FFT over separate real and imaginary arrays, and the real-input
/// convolutions PRV composition needs. Lengths must be powers of two.
/// </summary>
/// <remarks>
/// Forward is X_k = sum_j x_j e^(-2 pi i j k / n); inverse uses e^(+2 pi i j k / n) and divides by n. Twiddles
/// come from a table of exact <see cref="Math.SinCos"/> values (no recurrences), which keeps rounding at O(log n)
/// ulps; that matters because PRV composition raises the spectrum to powers in the thousands. Stages up to
/// <see cref="BlockLength"/> points run block by block so they stay in cache; real sequences are transformed as
/// complex sequences of half the length (even samples as real parts, odd samples as imaginary parts).
/// </remarks>
internal static partial class Fft
{
    // 2^12 points of (re, im) = 64 KiB: the early stages of each block fit in L2.
    private const int BlockLength = 1 << 12;

    private static volatile TwiddleTable? s_lastTwiddles;

    /// <summary>Smallest power of two that is &gt;= <paramref name="length"/>.</summary>
    public static int NextPowerOfTwo(long length)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(length, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(length, 1L << 30);
        int size = 1;
        while (size < length)
        {
            size <<= 1;
        }

        return size;
    }

    /// <summary>Transforms (<paramref name="re"/>, <paramref name="im"/>) in place.</summary>
    public static void Transform(double[] re, double[] im, bool inverse)
    {
        ArgumentNullException.ThrowIfNull(re);
        ArgumentNullException.ThrowIfNull(im);
        if (im.Length != re.Length)
        {
            throw new ArgumentException("Both arrays must have the same power-of-two length.", nameof(re));
        }

        (double[] cos, double[] sin) = Twiddles(re.Length);
        Transform(re, im, re.Length, inverse, cos, sin, 1);
    }

    /// <summary>
    /// Transforms the first <paramref name="n"/> entries in place (the arrays may be longer, so a real transform's
    /// half spectrum can be built in the arrays that held its input) with a twiddle table for a length
    /// <paramref name="tableStride"/> times longer, i.e. cos/sin of 2 pi k / (n * tableStride) for
    /// k &lt; n * tableStride / 2.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Transform(double[] re, double[] im, int n, bool inverse, double[] cos, double[] sin, int tableStride)
    {
        if (n == 0 || (n & (n - 1)) != 0 || re.Length < n || im.Length < n)
        {
            throw new ArgumentException("Both arrays must hold the power-of-two length n.", nameof(n));
        }

        BitReversePermute(re, im, n);
        double sign = inverse ? 1.0 : -1.0;
        int blockLength = Math.Min(n, BlockLength);

        // The in-block stages read their twiddles from a compact copy (stage with half-span h at [h, 2h)), not
        // with large strides from the full table, which would miss the cache on nearly every butterfly.
        var blockCos = new double[blockLength];
        var blockSin = new double[blockLength];
        for (int half = 1; half < blockLength; half <<= 1)
        {
            int stride = n / (2 * half) * tableStride;
            for (int k = 0; k < half; k++)
            {
                blockCos[half + k] = cos[k * stride];
                blockSin[half + k] = sin[k * stride];
            }
        }

        for (int blockStart = 0; blockStart < n; blockStart += blockLength)
        {
            for (int length = 2; length <= blockLength; length <<= 1)
            {
                int half = length >> 1;
                Stage(re, im, blockStart, blockStart + blockLength, length, sign, blockCos, blockSin, half, 1);
            }
        }

        // Stages beyond the block stream the whole array from memory, so they run two at a time.
        int span = blockLength << 1;
        for (; 2 * span <= n; span <<= 2)
        {
            TwoStages(re, im, n, span, sign, cos, sin, n / span * tableStride);
        }

        if (span <= n)
        {
            Stage(re, im, 0, n, span, sign, cos, sin, 0, n / span * tableStride);
        }

        if (inverse)
        {
            double scale = 1.0 / n;
            for (int i = 0; i < n; i++)
            {
                re[i] *= scale;
                im[i] *= scale;
            }
        }
    }

    // One radix-2 stage: butterflies of span `length` over [from, to), with twiddle k (k < length / 2) read from
    // cos/sin at offset + k * stride and applied as e^(sign i angle).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Stage(
        double[] re,
        double[] im,
        int from,
        int to,
        int length,
        double sign,
        double[] cos,
        double[] sin,
        int offset,
        int stride)
    {
        int half = length >> 1;
        for (int start = from; start < to; start += length)
        {
            for (int k = 0; k < half; k++)
            {
                double wr = cos[offset + k * stride];
                double wi = sign * sin[offset + k * stride];
                int a = start + k;
                int b = a + half;
                double tr = wr * re[b] - wi * im[b];
                double ti = wr * im[b] + wi * re[b];
                re[b] = re[a] - tr;
                im[b] = im[a] - ti;
                re[a] += tr;
                im[a] += ti;
            }
        }
    }

    // The stages of span `length` and 2 * length fused into one pass: each group of four points a + {0, h, 2h, 3h}
    // (h = length / 2) takes its two first-stage butterflies (twiddle w^k of span length) and then its two
    // second-stage butterflies (twiddles w^k and w^(k + h) of span 2 * length). `stride` indexes the table for
    // span `length`; span 2 * length uses half that stride.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void TwoStages(
        double[] re,
        double[] im,
        int n,
        int length,
        double sign,
        double[] cos,
        double[] sin,
        int stride)
    {
        int h = length >> 1;
        int outerStride = stride >> 1;
        for (int start = 0; start < n; start += 2 * length)
        {
            for (int k = 0; k < h; k++)
            {
                double w1r = cos[k * stride];
                double w1i = sign * sin[k * stride];
                double w2r = cos[k * outerStride];
                double w2i = sign * sin[k * outerStride];
                double w3r = cos[(k + h) * outerStride];
                double w3i = sign * sin[(k + h) * outerStride];
                int i0 = start + k;
                int i1 = i0 + h;
                int i2 = i1 + h;
                int i3 = i2 + h;

                double tr = w1r * re[i1] - w1i * im[i1];
                double ti = w1r * im[i1] + w1i * re[i1];
                double y0r = re[i0] + tr;
                double y0i = im[i0] + ti;
                double y1r = re[i0] - tr;
                double y1i = im[i0] - ti;
                tr = w1r * re[i3] - w1i * im[i3];
                ti = w1r * im[i3] + w1i * re[i3];
                double y2r = re[i2] + tr;
                double y2i = im[i2] + ti;
                double y3r = re[i2] - tr;
                double y3i = im[i2] - ti;

                tr = w2r * y2r - w2i * y2i;
                ti = w2r * y2i + w2i * y2r;
                re[i0] = y0r + tr;
                im[i0] = y0i + ti;
                re[i2] = y0r - tr;
                im[i2] = y0i - ti;
                tr = w3r * y3r - w3i * y3i;
                ti = w3r * y3i + w3i * y3r;
                re[i1] = y1r + tr;
                im[i1] = y1i + ti;
                re[i3] = y1r - tr;
                im[i3] = y1i - ti;
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void BitReversePermute(double[] re, double[] im, int n)
    {
        for (int i = 1, j = 0; i < n; i++)
        {
            int bit = n >> 1;
            for (; (j & bit) != 0; bit >>= 1)
            {
                j ^= bit;
            }

            j ^= bit;
            if (i < j)
            {
                (re[i], re[j]) = (re[j], re[i]);
                (im[i], im[j]) = (im[j], im[i]);
            }
        }
    }

    // cos and sin of 2 pi k / n for k < n / 2 (one entry for n = 1). The last table is kept: noise calibration
    // composes at the same length run after run, and fresh memory is slow to come by (the kernel zeroes each page).
    private static (double[] Cos, double[] Sin) Twiddles(int n)
    {
        TwiddleTable? last = s_lastTwiddles;
        if (last is not null && last.Length == n)
        {
            return (last.Cos, last.Sin);
        }

        (double[] cos, double[] sin) = ComputeTwiddles(n);
        s_lastTwiddles = new TwiddleTable(n, cos, sin);
        return (cos, sin);
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static (double[] Cos, double[] Sin) ComputeTwiddles(int n)
    {
        int half = Math.Max(1, n >> 1);
        double[] cos = FreshArrays.Doubles(half);
        double[] sin = FreshArrays.Doubles(half);
        for (int k = 0; k < half; k++)
        {
            (sin[k], cos[k]) = Math.SinCos(2.0 * Math.PI * k / n);
        }

        return (cos, sin);
    }

    // A twiddle table and the length it serves; replaced whole, so readers on other threads see a consistent one.
    private sealed record TwiddleTable(int Length, double[] Cos, double[] Sin);
}
