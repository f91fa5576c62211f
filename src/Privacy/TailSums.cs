using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// The suffix sums a composed PRV reads epsilon from, for every grid index i: the mass at and above i
/// (sum_{j &gt;= i} p_j), the discounted mass (d2[i] = p_i + e^-dt d2[i + 1]) and twice the negative mass (the FFT's
/// rounding noise), kept only at every <see cref="Interval"/>-th index.
/// </summary>
/// <remarks>
/// Epsilon needs them at a few dozen indices (three binary searches), but three full arrays cost 3 * 8 bytes per
/// grid point of fresh memory (48 MB at 2^21 points; the kernel zeroes each page, about 3 ms of CPU per MB here).
/// <see cref="At"/> resumes the same backward accumulation from the checkpoint just above i, so every value is the
/// one a full array would hold, to the bit.
/// </remarks>
internal sealed class TailSums
{
    /// <summary>Indices between checkpoints: a lookup costs at most this many additions.</summary>
    internal const int Interval = 64;

    private readonly double[] _pmf;
    private readonly double _discount;

    // Running sums at index c * Interval (inclusive), for c = 0 .. (n - 1) / Interval.
    private readonly double[] _mass;
    private readonly double[] _discounted;
    private readonly double[] _noise;

    /// <summary>Accumulates the checkpoints in one backward pass over <paramref name="pmf"/>.</summary>
    /// <param name="pmf">Mass at each grid point (kept, not copied).</param>
    /// <param name="discount">e^-dt, the factor between neighbouring points' discounts.</param>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public TailSums(double[] pmf, double discount)
    {
        _pmf = pmf;
        _discount = discount;
        int checkpoints = (pmf.Length + Interval - 1) / Interval;
        _mass = new double[checkpoints];
        _discounted = new double[checkpoints];
        _noise = new double[checkpoints];
        double mass = 0.0;
        double discounted = 0.0;
        double noise = 0.0;
        for (int i = pmf.Length - 1; i >= 0; i--)
        {
            (mass, discounted, noise) = Accumulate(pmf[i], mass, discounted, noise);
            if (i % Interval == 0)
            {
                _mass[i / Interval] = mass;
                _discounted[i / Interval] = discounted;
                _noise[i / Interval] = noise;
            }
        }
    }

    /// <summary>The three sums at <paramref name="index"/> (that point included).</summary>
    public (double Mass, double Discounted, double Noise) At(int index)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(index);
        ArgumentOutOfRangeException.ThrowIfGreaterThanOrEqual(index, _pmf.Length);
        int checkpoint = index / Interval;
        if (index == checkpoint * Interval)
        {
            return (_mass[checkpoint], _discounted[checkpoint], _noise[checkpoint]);
        }

        // Resume from the checkpoint above (or from zero past the end), in the order the full pass adds.
        int above = checkpoint + 1;
        int from = above * Interval;
        (double mass, double discounted, double noise) = above < _mass.Length
            ? (_mass[above], _discounted[above], _noise[above])
            : (0.0, 0.0, 0.0);
        for (int i = Math.Min(from, _pmf.Length) - 1; i >= index; i--)
        {
            (mass, discounted, noise) = Accumulate(_pmf[i], mass, discounted, noise);
        }

        return (mass, discounted, noise);
    }

    private (double Mass, double Discounted, double Noise) Accumulate(double p, double mass, double discounted, double noise) =>
        (mass + p, p + (_discount * discounted), noise - (2 * Math.Min(p, 0.0)));
}
