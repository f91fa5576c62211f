namespace FineTune.Benchmarks;

/// <summary>Nearest-rank percentiles of latency samples (no interpolation: every figure is a measured sample).</summary>
internal static class Percentiles
{
    /// <summary>The smallest sample with at least <paramref name="fraction"/> of all samples at or below it; NaN when there are none.</summary>
    public static double Of(IReadOnlyList<double> sorted, double fraction)
    {
        ArgumentNullException.ThrowIfNull(sorted);
        ArgumentOutOfRangeException.ThrowIfNegative(fraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(fraction, 1.0);
        if (sorted.Count == 0)
        {
            return double.NaN;
        }
        int rank = (int)Math.Ceiling(fraction * sorted.Count);
        return sorted[Math.Clamp(rank - 1, 0, sorted.Count - 1)];
    }

    /// <summary>The samples in ascending order.</summary>
    public static double[] Sorted(IEnumerable<double> samples)
    {
        double[] sorted = [.. samples];
        Array.Sort(sorted);
        return sorted;
    }
}
