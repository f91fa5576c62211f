using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// Where the sum of independent discretised steps lies but for a given mass in each tail, by Chernoff's bound on
/// their exact moment generating function: P(S &gt;= x) &lt;= exp(K(lambda) - lambda x) for every lambda &gt; 0,
/// with K the cumulant generating function of S (and the mirror image for the lower tail).
/// </summary>
/// <remarks>
/// The accountant's FFT wraps mass of the sum that falls outside its window back into it, so the window must hold
/// all but a negligible mass. Opacus takes [-L, L] from RDP; the sum's own MGF gives a window that is often far
/// narrower (for q = 1e-5 the sum lies within about 0.01 of its mean, where L is 3.6), and the FFT length, its
/// cost and its rounding noise all shrink with it. To keep each evaluation of K cheap, steps with many cells are
/// read in bins of contiguous cells, each bin at its mean with Hoeffding's lemma covering the spread inside it:
/// E[e^(lambda X) | bin] &lt;= e^(lambda mean + lambda^2 width^2 / 8), so K is bounded from above, never under.
/// </remarks>
internal static class SumWindow
{
    private const int MaxBins = 1 << 14;

    // Golden-section steps over log lambda in [1e-9, 1e9]: about 1e-4 in log lambda at the end.
    private const int SearchIterations = 60;
    private const double LogLambdaMin = -20.7;
    private const double LogLambdaMax = 20.7;

    /// <summary>[low, high] with P(S &lt; low) and P(S &gt; high) each at most <paramref name="tailMass"/>.</summary>
    public static (double Low, double High) Find(IReadOnlyList<DiscretizedStep> steps, double dt, double tailMass)
    {
        var binned = steps.Select(step => Bin(step, dt)).ToList();
        double logInverse = Math.Log(1 / tailMass);

        // Upper end: min over lambda of (K(lambda) + log(1 / m)) / lambda; lower end: the mirror image. Each is
        // unimodal in lambda (lambda K' - K rises), so a golden-section search finds it.
        double high = Minimize(lambda => (CumulantBound(binned, lambda) + logInverse) / lambda);
        double low = -Minimize(lambda => (CumulantBound(binned, -lambda) + logInverse) / lambda);
        return (low, high);
    }

    private static double Minimize(Func<double, double> f)
    {
        double invPhi = (Math.Sqrt(5) - 1) / 2;
        double a = LogLambdaMin;
        double b = LogLambdaMax;
        double c = b - invPhi * (b - a);
        double d = a + invPhi * (b - a);
        double fc = Evaluate(f, c);
        double fd = Evaluate(f, d);
        double best = Math.Min(fc, fd);
        for (int i = 0; i < SearchIterations; i++)
        {
            if (fc < fd)
            {
                b = d;
                (d, fd) = (c, fc);
                c = b - invPhi * (b - a);
                fc = Evaluate(f, c);
            }
            else
            {
                a = c;
                (c, fc) = (d, fd);
                d = a + invPhi * (b - a);
                fd = Evaluate(f, d);
            }

            best = Math.Min(best, Math.Min(fc, fd));
        }

        return best;
    }

    // f at lambda = e^logLambda; +infinity where it overflows or is undefined, so the search moves away.
    private static double Evaluate(Func<double, double> f, double logLambda)
    {
        double value = f(Math.Exp(logLambda));
        return double.IsNaN(value) ? double.PositiveInfinity : value;
    }

    // An upper bound on K(lambda) = sum over steps of count * log E[e^(lambda X)].
    private static double CumulantBound(List<BinnedStep> steps, double lambda)
    {
        double total = 0.0;
        foreach (BinnedStep step in steps)
        {
            // Factor out the largest exponent so the sum cannot overflow.
            double pivot = lambda > 0 ? step.Means[^1] : step.Means[0];
            double sum = 0.0;
            for (int b = 0; b < step.Masses.Length; b++)
            {
                sum += step.Masses[b] * Math.Exp(lambda * (step.Means[b] - pivot));
            }

            double logMgf = Math.Log(sum) + lambda * pivot + lambda * lambda * step.BinWidth * step.BinWidth / 8;
            total += step.Count * logMgf;
        }

        return total;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static BinnedStep Bin(DiscretizedStep step, double dt)
    {
        int cells = step.Pmf.Length;
        int cellsPerBin = (cells + MaxBins - 1) / MaxBins;
        var masses = new List<double>();
        var means = new List<double>();
        for (int start = 0; start < cells; start += cellsPerBin)
        {
            double mass = 0.0;
            double moment = 0.0;
            int end = Math.Min(start + cellsPerBin, cells);
            for (int i = start; i < end; i++)
            {
                // Rounding can leave a cell a hair below 0; no true mass is negative.
                double p = Math.Max(step.Pmf[i], 0.0);
                mass += p;
                moment += p * ((step.FirstIndex + i) * dt + step.Shift);
            }

            if (mass > 0)
            {
                masses.Add(mass);
                means.Add(moment / mass);
            }
        }

        double width = cellsPerBin == 1 ? 0.0 : cellsPerBin * dt;
        return new BinnedStep([.. masses], [.. means], width, step.Steps);
    }

    private sealed record BinnedStep(double[] Masses, double[] Means, double BinWidth, int Count);
}
