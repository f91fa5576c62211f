namespace FineTune.Privacy;

/// <summary>
/// A PRV discretised on a <see cref="PrvDomain"/>: probability mass per grid point. Converts a (composed) PRV to
/// epsilon bounds (Gopi, Lee and Wutschitz 2021, section 5).
/// </summary>
/// <param name="Pmf">Mass at each grid point.</param>
/// <param name="Domain">The grid the mass lives on.</param>
internal sealed record DiscretePrv(double[] Pmf, PrvDomain Domain)
{
    // Unit roundoff of double; summing Size masses can be off by about this much times Size.
    private const double MachineEpsilon = 2.220446049250313e-16;

    /// <summary>
    /// Mass of each cell [t - dt/2, t + dt/2) of the grid, with the grid then shifted so the discrete mean equals
    /// the continuous mean (the shift is below dt/2 by construction).
    /// </summary>
    /// <remarks>
    /// Neighbouring cells share their edge, so the CDF is evaluated once per edge (Opacus evaluates t + dt/2 and
    /// the next t - dt/2 separately, which differ only by rounding); the masses then telescope to 1 up to rounding.
    /// </remarks>
    public static DiscretePrv Discretize(TruncatedPrv prv, PrvDomain domain)
    {
        double[] points = domain.Points();
        double halfDt = domain.Dt / 2;
        var pmf = new double[points.Length];
        double discreteMean = 0.0;
        double leftCdf = prv.Cdf(points[0] - halfDt);
        for (int i = 0; i < points.Length; i++)
        {
            double rightCdf = prv.Cdf(points[i] + halfDt);
            pmf[i] = rightCdf - leftCdf;
            leftCdf = rightCdf;
            discreteMean += points[i] * pmf[i];
        }

        double meanShift = prv.Mean() - discreteMean;
        if (Math.Abs(meanShift) >= halfDt)
        {
            throw new InvalidOperationException(
                "The discrete PRV mean differs from the continuous mean by dt/2 or more.");
        }

        return new DiscretePrv(pmf, domain.ShiftRight(meanShift));
    }

    /// <summary>
    /// Epsilon for <paramref name="delta"/> with its error bars: the estimate uses delta itself, the upper bound
    /// delta - deltaError plus epsilonError, the lower bound delta + deltaError minus epsilonError.
    /// </summary>
    /// <remarks>
    /// With d1[i] = sum_{j &gt;= i} p_j and d2[i] = sum_{j &gt;= i} p_j e^(-t_j), the delta at epsilon = t_i is
    /// d1[i] - e^(t_i) d2[i]. The first grid index whose delta is at most the target brackets epsilon, which is
    /// then solved exactly from log((d1[i] - target) / d2[i]).
    /// </remarks>
    public (double Lower, double Estimate, double Upper) ComputeEpsilon(
        double delta,
        double deltaError,
        double epsilonError)
    {
        if (MachineEpsilon * Domain.Size > delta - deltaError)
        {
            throw new InvalidOperationException(
                "Floating-point error would dominate at this delta; increase delta or reduce the PRV domain.");
        }

        double[] t = Domain.Points();
        int n = Pmf.Length;
        var tailMass = new double[n];
        var tailDiscounted = new double[n];
        var negativeDelta = new double[n];
        double runningMass = 0.0;
        double runningDiscounted = 0.0;
        for (int i = n - 1; i >= 0; i--)
        {
            runningMass += Pmf[i];
            runningDiscounted += Pmf[i] * Math.Exp(-t[i]);
            tailMass[i] = runningMass;
            tailDiscounted[i] = runningDiscounted;
        }

        for (int i = 0; i < n; i++)
        {
            negativeDelta[i] = Math.Exp(t[i]) * tailDiscounted[i] - tailMass[i];
        }

        double FindEpsilon(double deltaTarget)
        {
            int i = LowerBound(negativeDelta, -deltaTarget);
            if (i <= 0 || i >= n)
            {
                throw new InvalidOperationException("Epsilon lies outside the PRV domain; cannot compute it.");
            }

            return Math.Log((tailMass[i] - deltaTarget) / tailDiscounted[i]);
        }

        double upper = FindEpsilon(delta - deltaError) + epsilonError;
        double lower = FindEpsilon(delta + deltaError) - epsilonError;
        double estimate = FindEpsilon(delta);
        return (lower, estimate, upper);
    }

    // First index whose value is >= key, by binary search over an ascending array (numpy searchsorted, side=left).
    private static int LowerBound(double[] values, double key)
    {
        int low = 0;
        int high = values.Length;
        while (low < high)
        {
            int middle = low + ((high - low) >> 1);
            if (values[middle] < key)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
