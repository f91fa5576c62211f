namespace FineTune.Privacy;

/// <summary>
/// Gaussian differential privacy (mu-GDP; Dong, Roth and Su 2019) of Poisson-subsampled Gaussian steps, by the
/// central limit theorem of Bu, Dong, Long and Su 2020. An asymptotic approximation: it can underestimate epsilon
/// when steps are few or the sampling rate is large, so prefer <see cref="Rdp"/> or PRV for guarantees.
/// </summary>
public static class Gdp
{
    private const double RootBracketHigh = 500.0;

    /// <summary>
    /// mu = q sqrt(steps (e^(1 / sigma^2) - 1)) for <paramref name="steps"/> steps at sampling rate q and noise
    /// multiplier sigma.
    /// </summary>
    /// <param name="q">Poisson sampling rate, in [0, 1].</param>
    /// <param name="noiseMultiplier">Noise standard deviation divided by the clipping norm, &gt;= 0.</param>
    /// <param name="steps">Number of steps, &gt;= 0.</param>
    /// <returns>0 when nothing is sampled or no step ran; +infinity without noise.</returns>
    public static double ComputeMuPoisson(double q, double noiseMultiplier, int steps)
    {
        PrivacyArguments.SampleRate(q);
        PrivacyArguments.NoiseMultiplier(noiseMultiplier);
        PrivacyArguments.Steps(steps);
        if (q == 0.0 || steps == 0)
        {
            return 0.0;
        }

        if (noiseMultiplier == 0.0)
        {
            return double.PositiveInfinity;
        }

        return Math.Sqrt(Math.Exp(1 / (noiseMultiplier * noiseMultiplier)) - 1) * Math.Sqrt(steps) * q;
    }

    /// <summary>
    /// The epsilon at which mu-GDP gives <paramref name="delta"/>: the root in [0, 500] of
    /// Phi(-eps / mu + mu / 2) - e^eps Phi(-eps / mu - mu / 2) = delta, with Phi the standard normal CDF.
    /// </summary>
    /// <param name="mu">The GDP parameter, &gt;= 0.</param>
    /// <param name="delta">Target delta, in (0, 1).</param>
    /// <returns>0 when delta is met at epsilon 0; +infinity when it is not met below epsilon 500.</returns>
    public static double EpsilonFromMu(double mu, double delta)
    {
        PrivacyArguments.Delta(delta);
        if (double.IsNaN(mu) || mu < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(mu), mu, "mu must be >= 0.");
        }

        if (mu == 0 || DeltaGap(0.0, mu, delta) <= 0)
        {
            return 0.0;
        }

        if (double.IsPositiveInfinity(mu) || DeltaGap(RootBracketHigh, mu, delta) > 0)
        {
            return double.PositiveInfinity;
        }

        // The gap decreases in epsilon; bisect until the bracket stops shrinking in double precision.
        double low = 0.0;
        double high = RootBracketHigh;
        for (int iteration = 0; iteration < 200; iteration++)
        {
            double middle = 0.5 * (low + high);
            if (middle <= low || middle >= high)
            {
                break;
            }

            if (DeltaGap(middle, mu, delta) > 0)
            {
                low = middle;
            }
            else
            {
                high = middle;
            }
        }

        return 0.5 * (low + high);
    }

    private static double DeltaGap(double epsilon, double mu, double delta)
    {
        double achieved = SpecialFunctions.NormalCdf(-epsilon / mu + mu / 2)
            - Math.Exp(epsilon) * SpecialFunctions.NormalCdf(-epsilon / mu - mu / 2);
        return achieved - delta;
    }
}
