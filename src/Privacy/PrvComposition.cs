using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// Composition of discretised PRVs: the PRV of a composition is the sum of the PRVs, so its mass function is the
/// convolution of theirs (Gopi, Lee and Wutschitz 2021). Every step's spectrum is raised to its repeat count and
/// the spectra multiplied, so a whole history costs one or two forward FFTs per distinct step and one inverse FFT.
/// </summary>
internal static class PrvComposition
{
    /// <summary>
    /// The sum of every step, each taken <see cref="DiscretizedStep.Steps"/> times, read on the
    /// <paramref name="size"/> grid points from index <paramref name="windowStart"/> on (point (windowStart + j) dt
    /// plus the summed mean corrections).
    /// </summary>
    /// <remarks>
    /// Each step enters by its tails about its origin cell (<see cref="Fft.ConvolveTailPowers"/>), so entry s of
    /// the convolution is the sum at grid index sum(T origin) + s. The FFT wraps modulo <paramref name="size"/>:
    /// mass of the sum outside the window lands inside it, which is why the accountant sizes the window so that
    /// mass is below its delta error.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DiscretePrv Compose(IReadOnlyList<DiscretizedStep> steps, long windowStart, int size, double dt)
    {
        if (steps.Count == 0)
        {
            throw new ArgumentException("Need at least one step.", nameof(steps));
        }

        var parts = new List<(double[] Upper, double[] Lower, int Power)>(steps.Count);
        long originSum = 0;
        double totalShift = 0.0;
        foreach (DiscretizedStep step in steps)
        {
            parts.Add((step.UpperTails, step.LowerTails, step.Steps));
            originSum += step.Steps * (step.FirstIndex + step.Origin);
            totalShift += step.Steps * step.Shift;
        }

        double[] convolved = Fft.ConvolveTailPowers(parts, size);
        // Rotate in place so entry j is the window's point j: three reversals, no second array of this size.
        int start = (int)Modulo(windowStart - originSum, size);
        double[] pmf = convolved;
        Array.Reverse(pmf, 0, start);
        Array.Reverse(pmf, start, size - start);
        Array.Reverse(pmf);

        var domain = new PrvDomain(windowStart * dt + totalShift, (windowStart + size - 1) * dt + totalShift, size, totalShift);
        return new DiscretePrv(pmf, domain);
    }

    private static long Modulo(long value, long modulus) => ((value % modulus) + modulus) % modulus;
}
