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

    // Full PRV runs aimed at the band before the seeding gives up (each after a coarse root search).
    private const int MaxSeeds = 3;

    // Coarse PRV runs: steps that look for a bracket, then regula falsi steps inside it.
    private const int MaxBracketSteps = 12;
    private const int MaxRootSteps = 16;

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

        return Search(targetEpsilon, delta, sampleRate, steps, accountant, epsilonTolerance, seed: true).Sigma;
    }

    /// <summary>The search behind <see cref="GetNoiseMultiplier"/>, with or without seeds, and its accountant runs.</summary>
    internal static (double Sigma, int Runs) Search(
        double targetEpsilon,
        double delta,
        double sampleRate,
        int steps,
        string accountant,
        double epsilonTolerance,
        bool seed)
    {
        var curve = new EpsilonCurve(accountant, sampleRate, steps, delta);
        if (seed && accountant == PrivacyAccountants.PrvMechanism)
        {
            SeedFromRdp(curve, targetEpsilon, delta, sampleRate, steps, epsilonTolerance);
        }

        double sigma = Bisect(curve, targetEpsilon, epsilonTolerance);
        return (sigma, curve.Evaluations);
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

    // A PRV run costs up to seconds, an RDP run microseconds. RDP's epsilon bounds PRV's from above, so RDP's noise
    // multiplier for the same budget lies at or above PRV's: the search starts there. It finds the root of PRV's
    // curve on a mesh CoarseMesh times coarser (a tenth to a quarter of the cost, within a few 1e-3 of the full
    // bounds) aimed at the middle of the accepted band [target - tolerance, target], then runs the full accountant
    // there, and once more a neighbour on each side of the band; the bisection then settles nearly all of its
    // comparisons from those. Seeds only save runs: the coarse values are never compared, so the answer is Opacus's.
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

        double aim = targetEpsilon - epsilonTolerance / 2;
        double offset = 0.0;
        for (int iteration = 0; iteration < MaxSeeds; iteration++)
        {
            // The full curve runs about `offset` above the coarse one near the root (0 until measured).
            double shiftedAim = aim - offset;
            if (CoarseRoot(curve, shiftedAim, sigmaRdp, epsilonTolerance / 4) is not { } root)
            {
                return;
            }

            double epsilon = curve.Evaluate(root.Sigma);
            if (!double.IsFinite(epsilon))
            {
                return;
            }

            if (Math.Abs(epsilon - aim) <= epsilonTolerance / 2)
            {
                // Inside the band: a neighbour just above the target and one just below the band bracket the
                // answer. The bisection must still run the accountant at any of its midpoints that falls between
                // them and this point, so they sit as close as the slope allows (an eighth of the band outside).
                double slope = Math.Max(Math.Abs(root.Slope), 1e-12);
                double margin = epsilonTolerance / 8;
                curve.Evaluate(root.Sigma * Math.Exp(-(targetEpsilon + margin - epsilon) / slope));
                curve.Evaluate(root.Sigma * Math.Exp((epsilon - (targetEpsilon - epsilonTolerance - margin)) / slope));
                return;
            }

            offset = epsilon - curve.Estimate(root.Sigma);
            sigmaRdp = root.Sigma;
        }
    }

    // The sigma where the coarse curve crosses `aim`, to within `tolerance` in epsilon, by regula falsi on log sigma
    // with the Illinois halving (it keeps a bracket and converges on any monotone curve); Slope is d epsilon /
    // d log sigma there. Null if no crossing is found below the cap.
    private static (double Sigma, double Slope)? CoarseRoot(EpsilonCurve curve, double aim, double start, double tolerance)
    {
        double x0 = Math.Log(start);
        double f0 = curve.Estimate(start) - aim;
        if (Math.Abs(f0) <= tolerance)
        {
            double nearby = curve.Estimate(start * Math.Exp(0.01)) - aim;
            return (start, (nearby - f0) / 0.01);
        }

        // Bracket: step log sigma towards the crossing (epsilon falls as sigma grows), doubling the step.
        double step = f0 > 0 ? 0.05 : -0.05;
        double x1 = x0 + step;
        double f1 = curve.Estimate(Math.Exp(x1)) - aim;
        for (int i = 0; i < MaxBracketSteps && Math.Sign(f1) == Math.Sign(f0) && f1 != 0; i++)
        {
            // The secant through the last two points, at most 4x the step and at least the step itself.
            double secant = f1 != f0 ? -f1 * (x1 - x0) / (f1 - f0) : step;
            step = Math.Sign(step) * Math.Clamp(Math.Abs(secant) * 1.2, Math.Abs(step), 4 * Math.Abs(step));
            (x0, f0) = (x1, f1);
            x1 = x0 + step;
            if (Math.Exp(x1) > MaxNoiseMultiplier)
            {
                return null;
            }

            f1 = curve.Estimate(Math.Exp(x1)) - aim;
        }

        if (Math.Sign(f1) == Math.Sign(f0) && f1 != 0)
        {
            return null;
        }

        int side = 0;
        for (int i = 0; i < MaxRootSteps; i++)
        {
            if (Math.Abs(f1) <= tolerance)
            {
                return (Math.Exp(x1), (f1 - f0) / (x1 - x0));
            }

            double x = x1 - f1 * (x1 - x0) / (f1 - f0);
            double f = curve.Estimate(Math.Exp(x)) - aim;
            if (Math.Sign(f) == Math.Sign(f1))
            {
                // The same side again: the retained end's value is halved so the next step reaches past the root.
                (x1, f1) = (x, f);
                f0 = side == -1 ? f0 / 2 : f0;
                side = -1;
            }
            else
            {
                (x0, f0, x1, f1) = (x1, f1, x, f);
                side = 1;
            }
        }

        return Math.Abs(f1) <= 4 * tolerance ? (Math.Exp(x1), (f1 - f0) / (x1 - x0)) : null;
    }
}
