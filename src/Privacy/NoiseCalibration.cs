namespace FineTune.Privacy;

/// <summary>Finds the noise multiplier that meets a privacy budget, by Opacus's search.</summary>
public static class NoiseCalibration
{
    /// <summary>Default precision of the search, in epsilon (Opacus's <c>epsilon_tolerance</c>).</summary>
    public const double DefaultEpsilonTolerance = 0.01;

    // Opacus's MAX_SIGMA: beyond this the budget is treated as unreachable.
    private const double MaxNoiseMultiplier = 1e6;

    // The bisection halves a bracket of width <= 20; this many halvings reach double precision.
    private const int MaxBisections = 200;

    // Secant steps that seed a PRV search; each is one PRV run.
    private const int MaxSeeds = 4;

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

        var curve = new EpsilonCurve(accountant, sampleRate, steps, delta);
        if (accountant == PrivacyAccountants.PrvMechanism)
        {
            SeedFromRdp(curve, targetEpsilon, delta, sampleRate, steps, epsilonTolerance);
        }

        return Bisect(curve, targetEpsilon, epsilonTolerance);
    }

    // Opacus's search, step for step. Every comparison goes through the curve, which runs the accountant only when
    // the evaluations so far do not settle it by monotonicity, so the result is Opacus's whatever was seeded.
    private static double Bisect(EpsilonCurve curve, double targetEpsilon, double epsilonTolerance)
    {
        double sigmaLow = 0.0;
        double sigmaHigh = 10.0;
        do
        {
            sigmaHigh *= 2;
            if (sigmaHigh > MaxNoiseMultiplier)
            {
                throw new ArgumentException(
                    "The privacy budget is too low to meet with any noise multiplier.",
                    nameof(targetEpsilon));
            }
        }
        while (!curve.IsBelow(sigmaHigh, Math.BitIncrement(targetEpsilon)));

        int bisections = 0;
        while (curve.IsBelow(sigmaHigh, targetEpsilon - epsilonTolerance) && bisections++ < MaxBisections)
        {
            double sigma = (sigmaLow + sigmaHigh) / 2;
            if (curve.IsBelow(sigma, targetEpsilon))
            {
                sigmaHigh = sigma;
            }
            else
            {
                sigmaLow = sigma;
            }
        }

        return sigmaHigh;
    }

    // A PRV run costs up to seconds, an RDP run microseconds. RDP's epsilon bounds PRV's from above (up to PRV's own
    // error of about eps_error), so RDP's noise multiplier for the same budget lies at or just above PRV's. Starting
    // there, a few secant steps on log epsilon against log sigma, aimed at the middle of the accepted band
    // [target - tolerance, target], leave evaluations on both sides of that band close to it; the bisection then
    // settles nearly all of its comparisons from them. Seeds only save runs: they never change the answer.
    private static void SeedFromRdp(
        EpsilonCurve curve,
        double targetEpsilon,
        double delta,
        double sampleRate,
        int steps,
        double epsilonTolerance)
    {
        var rdp = new EpsilonCurve(PrivacyAccountants.RdpMechanism, sampleRate, steps, delta);
        double sigmaRdp;
        try
        {
            sigmaRdp = Bisect(rdp, targetEpsilon, epsilonTolerance);
        }
        catch (ArgumentException)
        {
            // RDP cannot meet the budget below the cap; let the plain search decide for PRV.
            return;
        }

        double aim = Math.Log(targetEpsilon - epsilonTolerance / 2);
        double previousLogSigma = Math.Log(sigmaRdp);
        double previousLogEpsilon = Math.Log(curve.Evaluate(sigmaRdp));
        // First guess: epsilon roughly inversely proportional to sigma.
        double slope = -1.0;
        for (int iteration = 0; iteration < MaxSeeds; iteration++)
        {
            double logSigma = previousLogSigma + (aim - previousLogEpsilon) / slope;
            double sigma = Math.Exp(logSigma);
            if (!double.IsFinite(sigma) || sigma <= 0 || sigma > MaxNoiseMultiplier)
            {
                return;
            }

            double epsilon = curve.Evaluate(sigma);
            if (!double.IsFinite(epsilon) || epsilon <= 0)
            {
                return;
            }

            double logEpsilon = Math.Log(epsilon);
            if (Math.Abs(epsilon - (targetEpsilon - epsilonTolerance / 2)) <= epsilonTolerance / 2)
            {
                // Inside the band: a neighbour on each side, about a band's width away, brackets the answer.
                double bandWidth = Math.Abs(epsilonTolerance / epsilon / slope) * sigma;
                curve.Evaluate(sigma - bandWidth);
                curve.Evaluate(sigma + bandWidth);
                return;
            }

            double newSlope = (logEpsilon - previousLogEpsilon) / (logSigma - previousLogSigma);
            if (double.IsFinite(newSlope) && newSlope < 0)
            {
                slope = newSlope;
            }

            previousLogSigma = logSigma;
            previousLogEpsilon = logEpsilon;
        }
    }
}
