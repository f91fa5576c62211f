namespace FineTune.Training.Privacy;

/// <summary>Finds the noise multiplier that meets a privacy budget, by Opacus's search.</summary>
public static class NoiseCalibration
{
    /// <summary>Default precision of the search, in epsilon (Opacus's <c>epsilon_tolerance</c>).</summary>
    public const double DefaultEpsilonTolerance = 0.01;

    // Opacus's MAX_SIGMA: beyond this the budget is treated as unreachable.
    private const double MaxNoiseMultiplier = 1e6;

    // The bisection halves a bracket of width <= 20; this many halvings reach double precision.
    private const int MaxBisections = 200;

    /// <summary>
    /// The noise multiplier sigma for which <paramref name="steps"/> Poisson-sampled steps spend at most
    /// <paramref name="targetEpsilon"/> at <paramref name="delta"/>, and within <paramref name="epsilonTolerance"/>
    /// of it.
    /// </summary>
    /// <remarks>
    /// As Opacus's <c>get_noise_multiplier</c>: double sigma from 10 (first trying 20) until epsilon drops below
    /// the target, then bisect [0, sigma] while target - epsilon(sigma_high) exceeds the tolerance. The answer is
    /// the upper end of the bracket, so its epsilon never exceeds the target. To count steps from epochs as Opacus
    /// does, use (int)(epochs / sampleRate).
    /// </remarks>
    /// <param name="targetEpsilon">Privacy budget epsilon, &gt; 0.</param>
    /// <param name="delta">Target delta, in (0, 1).</param>
    /// <param name="sampleRate">Poisson sampling rate, in (0, 1].</param>
    /// <param name="steps">Number of noised steps, &gt; 0.</param>
    /// <param name="accountant">Mechanism name, one of <see cref="PrivacyAccountants.Mechanisms"/>.</param>
    /// <param name="epsilonTolerance">How far below the target the result's epsilon may be, &gt; 0.</param>
    /// <exception cref="ArgumentException">
    /// The accountant name is unknown, or the budget cannot be met with sigma up to 1e6.
    /// </exception>
    public static double GetNoiseMultiplier(
        double targetEpsilon,
        double delta,
        double sampleRate,
        int steps,
        string accountant,
        double epsilonTolerance = DefaultEpsilonTolerance)
    {
        PrivacyArguments.Positive(targetEpsilon);
        PrivacyArguments.Delta(delta);
        PrivacyArguments.Positive(sampleRate);
        PrivacyArguments.SampleRate(sampleRate);
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        PrivacyArguments.Positive(epsilonTolerance);
        PrivacyAccountants.ThrowIfUnknown(accountant);

        double sigmaLow = 0.0;
        double sigmaHigh = 10.0;
        double epsilonHigh = double.PositiveInfinity;
        while (epsilonHigh > targetEpsilon)
        {
            sigmaHigh *= 2;
            epsilonHigh = Epsilon(accountant, sigmaHigh, sampleRate, steps, delta);
            if (sigmaHigh > MaxNoiseMultiplier)
            {
                throw new ArgumentException(
                    "The privacy budget is too low to meet with any noise multiplier.",
                    nameof(targetEpsilon));
            }
        }

        int bisections = 0;
        while (targetEpsilon - epsilonHigh > epsilonTolerance && bisections++ < MaxBisections)
        {
            double sigma = (sigmaLow + sigmaHigh) / 2;
            double epsilon = Epsilon(accountant, sigma, sampleRate, steps, delta);
            if (epsilon < targetEpsilon)
            {
                sigmaHigh = sigma;
                epsilonHigh = epsilon;
            }
            else
            {
                sigmaLow = sigma;
            }
        }

        return sigmaHigh;
    }

    private static double Epsilon(string mechanism, double noiseMultiplier, double sampleRate, int steps, double delta)
    {
        IPrivacyAccountant accountant = PrivacyAccountants.Create(mechanism);
        accountant.Step(noiseMultiplier, sampleRate, steps);
        return accountant.GetEpsilon(delta);
    }
}
