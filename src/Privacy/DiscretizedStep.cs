using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// One history entry's PRV, truncated to the window that holds all but a negligible mass of it and discretised on
/// the accountant's mesh: Pmf[i] is the mass of the cell around grid point (FirstIndex + i) dt, and the whole grid
/// is then moved right by <see cref="Shift"/> so the discrete mean equals the continuous one (Gopi, Lee and
/// Wutschitz 2021, section 5).
/// </summary>
/// <remarks>
/// Opacus discretises every step on the full window [-L, L] of the composition. A step's loss is far narrower than
/// that (for q = 1e-5 it lies within about 1e-5 of 0), so its window is cut where each tail holds at most the mass
/// the accountant may drop per step, computed from the exact tail probabilities; the rest of the grid is zeros the
/// FFT gets for free. This changes the answer by no more than the truncation Opacus already makes.
/// </remarks>
internal sealed class DiscretizedStep
{
    // Bisection steps on the window's ends; the window is then rounded out to the mesh anyway.
    private const int TailSearchIterations = 100;

    private DiscretizedStep(
        long firstIndex,
        double[] pmf,
        int origin,
        double[] upperTails,
        double[] lowerTails,
        double shift,
        int steps)
    {
        FirstIndex = firstIndex;
        Pmf = pmf;
        Origin = origin;
        UpperTails = upperTails;
        LowerTails = lowerTails;
        Shift = shift;
        Steps = steps;
    }

    /// <summary>Grid index of the first cell: its point is FirstIndex * dt before the shift.</summary>
    public long FirstIndex { get; }

    /// <summary>Mass per cell; sums to 1 up to rounding.</summary>
    public double[] Pmf { get; }

    /// <summary>The cell nearest the mean (an index into <see cref="Pmf"/>), the origin of the tails below.</summary>
    public int Origin { get; }

    /// <summary>
    /// UpperTails[l] = mass of the cells after Origin + l (cells Origin + l + 1 on), l = 0 .. cells - Origin - 2.
    /// </summary>
    public double[] UpperTails { get; }

    /// <summary>
    /// LowerTails[l] = mass of the cells before Origin - l (cells up to Origin - l - 1), l = 0 .. Origin - 1.
    /// </summary>
    public double[] LowerTails { get; }

    /// <summary>Mean correction: every point of this step's grid lies this far right of its multiple of dt.</summary>
    public double Shift { get; }

    /// <summary>How many times the step repeats.</summary>
    public int Steps { get; }

    /// <summary>
    /// Discretises <paramref name="prv"/> with mesh <paramref name="dt"/> on the smallest grid-aligned window
    /// within [-maxHalfWidth, maxHalfWidth] outside which each tail holds at most <paramref name="tailMass"/>.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DiscretizedStep Create(
        PoissonSubsampledGaussianPrv prv,
        int steps,
        double dt,
        double tailMass,
        double maxHalfWidth)
    {
        double right = Bisect(-maxHalfWidth, maxHalfWidth, t => prv.UpperTail(t) <= tailMass);
        double left = -Bisect(-maxHalfWidth, maxHalfWidth, t => prv.LowerTail(-t) <= tailMass);
        long firstIndex = (long)Math.Floor(left / dt);
        long lastIndex = Math.Max((long)Math.Ceiling(right / dt), firstIndex + 1);
        if (lastIndex - firstIndex + 1 > int.MaxValue / 4)
        {
            throw new InvalidOperationException("The PRV discretisation grid would exceed 2^29 points.");
        }

        var truncated = new TruncatedPrv(prv, firstIndex * dt, lastIndex * dt);
        double halfDt = dt / 2;
        int cells = (int)(lastIndex - firstIndex + 1);
        double mean = truncated.Mean();
        int origin = (int)Math.Clamp(Math.Round(mean / dt) - firstIndex, 0, cells - 1);

        // Cell i spans [(firstIndex + i) dt - dt / 2, + dt), cut to the window. Below the origin each boundary's
        // mass to its left comes from the lower tail, from the origin on the mass to its right from the upper tail,
        // each accurate to its own size; 1 - CDF would round every far-right cell to a multiple of 1.1e-16, noise
        // that composition multiplies by T.
        double[] lowerTails = FreshArrays.Doubles(origin);
        double[] upperTails = FreshArrays.Doubles(cells - 1 - origin);
        for (int l = 0; l < lowerTails.Length; l++)
        {
            lowerTails[l] = truncated.LowerTail((firstIndex + origin - l - 1) * dt + halfDt);
        }

        for (int l = 0; l < upperTails.Length; l++)
        {
            upperTails[l] = truncated.UpperTail((firstIndex + origin + l) * dt + halfDt);
        }

        double[] pmf = FreshArrays.Doubles(cells);
        double discreteMean = 0.0;
        for (int i = 0; i < cells; i++)
        {
            double mass;
            if (i < origin)
            {
                mass = lowerTails[origin - 1 - i] - (i > 0 ? lowerTails[origin - i] : 0.0);
            }
            else if (i > origin)
            {
                mass = upperTails[i - origin - 1] - (i - origin < upperTails.Length ? upperTails[i - origin] : 0.0);
            }
            else
            {
                mass = 1.0 - (origin > 0 ? lowerTails[0] : 0.0) - (upperTails.Length > 0 ? upperTails[0] : 0.0);
            }

            pmf[i] = mass;
            discreteMean += (firstIndex + i) * dt * mass;
        }

        double shift = mean - discreteMean;
        if (Math.Abs(shift) >= halfDt)
        {
            throw new InvalidOperationException(
                "The discrete PRV mean differs from the continuous mean by dt/2 or more.");
        }

        return new DiscretizedStep(firstIndex, pmf, origin, upperTails, lowerTails, shift, steps);
    }

    // Smallest t in [low, high] where the (monotone, false then true) predicate holds; high if it never does.
    private static double Bisect(double low, double high, Func<double, bool> holds)
    {
        if (holds(low))
        {
            return low;
        }

        for (int i = 0; i < TailSearchIterations && high - low > 0; i++)
        {
            double middle = (low + high) / 2;
            if (middle == low || middle == high)
            {
                break;
            }

            if (holds(middle))
            {
                high = middle;
            }
            else
            {
                low = middle;
            }
        }

        return high;
    }
}
