namespace FineTune.Privacy;

/// <summary>
/// The exact privacy curve of the Gaussian mechanism: a query of sensitivity 1 answered with noise N(0, sigma^2)
/// has privacy loss N(mu^2 / 2, mu^2) with mu = 1 / sigma, and losses add under composition, so any number of such
/// steps (each with its own sigma) is again one Gaussian mechanism with mu = sqrt(sum of steps / sigma^2) (Dong,
/// Roth and Su 2019). Its delta(eps) = Phi(-eps / mu + mu / 2) - e^eps Phi(-eps / mu - mu / 2) (Balle and Wang
/// 2018) is exact, so with sampling rate 1 the PRV accountant solves it instead of discretising anything.
/// </summary>
/// <remarks>
/// Both terms are kept in logarithms: for T = 1e6 steps of sigma 0.3, epsilon is about 5.6e6, where e^eps
/// overflows and Phi(-eps / mu - mu / 2) underflows although their product is about delta.
/// </remarks>
internal static class GaussianMechanism
{
    // Bisection halvings: a bracket of width up to 2^60 shrinks to adjacent doubles in fewer than 1100.
    private const int MaxBisections = 1100;

    /// <summary>mu of the composition of every entry's steps: sqrt(sum of Steps / NoiseMultiplier^2).</summary>
    public static double ComposedMu(IEnumerable<PrivacyHistoryEntry> entries)
    {
        double sum = 0.0;
        foreach (PrivacyHistoryEntry entry in entries)
        {
            sum += entry.Steps / (entry.NoiseMultiplier * entry.NoiseMultiplier);
        }

        return Math.Sqrt(sum);
    }

    /// <summary>log delta(eps) of the Gaussian mechanism with parameter <paramref name="mu"/> &gt; 0.</summary>
    public static double LogDelta(double epsilon, double mu)
    {
        double first = -epsilon / mu + mu / 2;
        double logFirst = LogNormalCdf(first);
        double logSecond = epsilon + LogNormalCdf(first - mu);

        // Rounding can put the smaller term a hair above the larger where delta is below the last bits of both.
        return logSecond >= logFirst ? double.NegativeInfinity : SpecialFunctions.LogSub(logFirst, logSecond);
    }

    /// <summary>
    /// The epsilon at which the mechanism gives exactly <paramref name="delta"/>: delta(eps) falls from 1 to 0 over
    /// the real line, so the root is unique; it is negative where delta exceeds delta(0) = 2 Phi(mu / 2) - 1. The
    /// upper end of the final bracket is returned, so delta(result) &lt;= delta up to rounding.
    /// </summary>
    public static double Epsilon(double mu, double delta)
    {
        if (!(mu > 0) || !double.IsFinite(mu))
        {
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "mu must be positive and finite.");
        }

        PrivacyArguments.Delta(delta);
        double logDelta = Math.Log(delta);

        // Grow a bracket around 0 until delta(low) > delta >= delta(high), then halve it down to adjacent doubles.
        double low = -1.0;
        double high = 1.0;
        while (LogDelta(low, mu) <= logDelta)
        {
            low *= 2;
        }

        while (LogDelta(high, mu) > logDelta)
        {
            high *= 2;
        }

        for (int i = 0; i < MaxBisections; i++)
        {
            double middle = low + ((high - low) / 2);
            if (middle <= low || middle >= high)
            {
                break;
            }

            if (LogDelta(middle, mu) > logDelta)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return high;
    }

    // log Phi(x), finite far into the lower tail where Phi(x) underflows.
    private static double LogNormalCdf(double x) => Math.Log(0.5) + SpecialFunctions.LogErfc(-x / Math.Sqrt(2));
}
