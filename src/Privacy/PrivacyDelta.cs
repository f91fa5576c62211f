namespace FineTune.Privacy;

/// <summary>Default choices of delta.</summary>
public static class PrivacyDelta
{
    /// <summary>
    /// The <c>auto</c> delta: 1 / n^1.2 for n protected units (records, or entities under entity-level DP). It
    /// shrinks faster than 1/n, as delta must be small enough that leaking one unit outright with probability
    /// delta is unacceptable.
    /// </summary>
    /// <param name="count">Number of protected records or entities; at least 2 (n = 1 would give delta = 1).</param>
    public static double Auto(long count)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(count, 2);
        return 1.0 / Math.Pow(count, 1.2);
    }
}
