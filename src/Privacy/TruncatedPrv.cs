using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// A PRV conditioned on [TMin, TMax): its CDF renormalised by the mass inside the window, and its mean. Opacus
/// truncates every PRV to the discretisation window before discretising it.
/// </summary>
internal sealed class TruncatedPrv
{
    // The mean integral is split at +-1e-5 .. +-1e-1 (log-spaced), where the CDF bends most, as Opacus does.
    private static readonly double[] s_innerBreakpoints =
        [-1e-1, -1e-2, -1e-3, -1e-4, -1e-5, 1e-5, 1e-4, 1e-3, 1e-2, 1e-1];

    // Absolute accuracy of each piece of the mean integral; the mean only shifts the grid by (mean error) * steps.
    private const double MeanIntegralTolerance = 1e-15;

    private readonly PoissonSubsampledGaussianPrv _prv;
    private readonly double _cdfAtMin;
    private readonly double _remainingMass;
    private readonly double _lowerTailAtMin;
    private readonly double _upperTailAtMax;
    private readonly double _windowMass;

    /// <summary>Truncates <paramref name="prv"/> to [<paramref name="tMin"/>, <paramref name="tMax"/>).</summary>
    public TruncatedPrv(PoissonSubsampledGaussianPrv prv, double tMin, double tMax)
    {
        _prv = prv;
        TMin = tMin;
        TMax = tMax;
        _cdfAtMin = prv.Cdf(tMin);
        _remainingMass = prv.Cdf(tMax) - _cdfAtMin;
        _lowerTailAtMin = prv.LowerTail(tMin);
        _upperTailAtMax = prv.UpperTail(tMax);
        _windowMass = 1.0 - _lowerTailAtMin - _upperTailAtMax;
    }

    /// <summary>Lower end of the window.</summary>
    public double TMin { get; }

    /// <summary>Upper end of the window.</summary>
    public double TMax { get; }

    /// <summary>CDF of the truncated variable: 0 below TMin, 1 from TMax on.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Cdf(double t)
    {
        if (t < TMin)
        {
            return 0.0;
        }

        return t < TMax ? (_prv.Cdf(t) - _cdfAtMin) / _remainingMass : 1.0;
    }

    /// <summary>P(TMin &lt;= loss &lt;= t) / (mass in the window), for t in [TMin, TMax): accurate where it is tiny.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double LowerTail(double t) => (_prv.LowerTail(t) - _lowerTailAtMin) / _windowMass;

    /// <summary>P(t &lt; loss &lt; TMax) / (mass in the window), for t in [TMin, TMax): accurate where it is tiny.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double UpperTail(double t) => (_prv.UpperTail(t) - _upperTailAtMax) / _windowMass;

    /// <summary>
    /// Mean, by parts on each piece [l, r]: integral of t dF = r F(r) - l F(l) - integral of F.
    /// </summary>
    public double Mean()
    {
        // Below the PRV's support the CDF is 0, and just above its lower limit log(1 - q) it rises steeply over a
        // sliver of width about q dt; starting the integral at that limit keeps the rise from falling between the
        // quadrature nodes of a long flat piece (for q = 0.1 the limit lies left of -0.1, and a piece from TMin
        // to -0.1 would otherwise be taken for zero, putting the mean off by more than dt/2).
        double start = Math.Max(TMin, _prv.LowerLimit);
        var points = new List<double>(s_innerBreakpoints.Length + 2) { start };
        points.AddRange(s_innerBreakpoints.Where(point => point > start && point < TMax));
        points.Add(TMax);

        double mean = 0.0;
        for (int k = 0; k + 1 < points.Count; k++)
        {
            double left = points[k];
            double right = points[k + 1];
            double integral = GaussLegendre.Integrate(Cdf, left, right, MeanIntegralTolerance);
            mean += right * Cdf(right) - left * Cdf(left) - integral;
        }

        return mean;
    }
}
