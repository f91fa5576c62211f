namespace FineTune.Privacy;

/// <summary>
/// Composition of discretised PRVs: the PRV of a composition is the sum of the PRVs, so its mass function is the
/// convolution of theirs (Gopi, Lee and Wutschitz 2021). Identical steps are composed with one FFT power; distinct
/// groups are then convolved pairwise in a tree, as Opacus does.
/// </summary>
internal static class PrvComposition
{
    /// <summary>Composes each PRV with itself its step count of times, then all the results together.</summary>
    public static DiscretePrv ComposeHeterogeneous(IReadOnlyList<DiscretePrv> prvs, IReadOnlyList<int> steps)
    {
        if (prvs.Count != steps.Count || prvs.Count == 0)
        {
            throw new ArgumentException("Need one step count per PRV, and at least one PRV.", nameof(steps));
        }

        var composed = new List<DiscretePrv>(prvs.Count);
        for (int k = 0; k < prvs.Count; k++)
        {
            composed.Add(ComposeSelf(prvs[k], steps[k]));
        }

        // Convolve neighbours until one is left; an odd one out (the last) moves to the front of the next round.
        while (composed.Count > 1)
        {
            var next = new List<DiscretePrv>(composed.Count / 2 + 1);
            if (composed.Count % 2 == 1)
            {
                next.Add(composed[^1]);
                composed.RemoveAt(composed.Count - 1);
            }

            for (int k = 0; k + 1 < composed.Count; k += 2)
            {
                next.Add(ComposeTwo(composed[k], composed[k + 1]));
            }

            composed = next;
        }

        return composed[0];
    }

    /// <summary>
    /// The <paramref name="steps"/>-fold sum of <paramref name="prv"/> with itself, on the same grid shifted by
    /// the accumulated mean corrections.
    /// </summary>
    /// <remarks>
    /// The grid is symmetric-aligned (TMin = -K dt, Size N = 2K + 2), so a sum of n grid points with indices adding
    /// to s lies at TMin + (s - (n - 1) K) dt: output index j holds the linear convolution at s = j + (n - 1) K.
    /// The spectrum is taken at the next power of two M &gt;= N, so mass whose linear index falls outside the
    /// window wraps modulo M. Opacus transforms at length N instead, wrapping modulo N; either way only mass
    /// beyond the truncation window wraps, and the domain is sized so that mass is negligible (about 1e-18 for
    /// the published cases), leaving the two within floating-point noise of each other.
    /// </remarks>
    public static DiscretePrv ComposeSelf(DiscretePrv prv, int steps)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(steps, 1);
        int n = prv.Pmf.Length;
        int size = Fft.NextPowerOfTwo(n);
        var padded = new double[size];
        prv.Pmf.CopyTo(padded, 0);
        double[] convolved = steps == 1 ? padded : Fft.CircularSelfConvolve(padded, steps);

        long halfWidth = (n - 2) / 2;
        long offset = (steps - 1L) * halfWidth % size;
        var pmf = new double[n];
        for (int j = 0; j < n; j++)
        {
            pmf[j] = convolved[(int)((j + offset) % size)];
        }

        PrvDomain domain = prv.Domain.ShiftRight(prv.Domain.Shifts * (steps - 1));
        return new DiscretePrv(pmf, domain);
    }

    /// <summary>
    /// The sum of two PRVs on grids of equal size and spacing: the centre N points of their full linear
    /// convolution (scipy's <c>mode="same"</c>), on the left grid shifted by the right grid's corrections.
    /// </summary>
    public static DiscretePrv ComposeTwo(DiscretePrv left, DiscretePrv right)
    {
        int n = left.Pmf.Length;
        if (right.Pmf.Length != n)
        {
            throw new ArgumentException("Both PRVs must live on grids of the same size.", nameof(right));
        }

        int size = Fft.NextPowerOfTwo(2L * n - 1);
        var leftPadded = new double[size];
        var rightPadded = new double[size];
        left.Pmf.CopyTo(leftPadded, 0);
        right.Pmf.CopyTo(rightPadded, 0);
        double[] full = Fft.CircularConvolve(leftPadded, rightPadded);

        int start = (n - 1) / 2;
        var pmf = new double[n];
        Array.Copy(full, start, pmf, 0, n);
        return new DiscretePrv(pmf, left.Domain.ShiftRight(right.Domain.Shifts));
    }
}
