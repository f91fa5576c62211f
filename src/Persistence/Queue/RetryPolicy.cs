namespace FineTune.Persistence.Queue;

/// <summary>
/// When a job that failed transiently (or whose worker died) may run again: exponential backoff with jitter.
/// </summary>
/// <remarks>
/// <para>
/// The nominal delay after failed attempt <c>n</c> (1-based) is <c>BaseDelay * 2^(n-1)</c>, capped at
/// <see cref="MaxDelay"/>. With the defaults (15 s base, 30 min cap) the waits are 15 s, 30 s, 1 min, 2 min, ...
/// Doubling is the usual answer to "we do not know how long the outage lasts": a short glitch costs one short wait,
/// a long one costs few attempts. The base is seconds, not milliseconds, because an attempt is a training run that
/// loads a model first; retrying a broken GPU node ten times a second would only burn attempts.
/// </para>
/// <para>
/// Jitter multiplies the nominal delay by a uniform factor in <c>[1 - JitterFraction, 1 + JitterFraction]</c>. Jobs
/// that failed together (a database failover, a node lost with several jobs on it) then come back spread out instead
/// of all at once. It is proportional rather than AWS-style "full" jitter (uniform in [0, d]) so a user can still
/// read the schedule: "retrying in about 2 minutes". The cap applies before jitter, so capped delays spread too.
/// </para>
/// </remarks>
public sealed class RetryPolicy
{
    private readonly Random _random;

    /// <summary>Creates a policy.</summary>
    /// <param name="baseDelay">The wait after the first failed attempt (default 15 s).</param>
    /// <param name="maxDelay">The largest nominal wait (default 30 min).</param>
    /// <param name="jitterFraction">The relative spread, 0 to 1 (default 0.2, i.e. +/-20%).</param>
    /// <param name="random">The jitter source; tests pass a seeded one (default <see cref="Random.Shared"/>).</param>
    public RetryPolicy(TimeSpan? baseDelay = null, TimeSpan? maxDelay = null, double jitterFraction = 0.2, Random? random = null)
    {
        BaseDelay = baseDelay ?? TimeSpan.FromSeconds(15);
        MaxDelay = maxDelay ?? TimeSpan.FromMinutes(30);
        ArgumentOutOfRangeException.ThrowIfLessThan(BaseDelay, TimeSpan.Zero, nameof(baseDelay));
        ArgumentOutOfRangeException.ThrowIfLessThan(MaxDelay, BaseDelay, nameof(maxDelay));
        ArgumentOutOfRangeException.ThrowIfNegative(jitterFraction);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(jitterFraction, 1.0);
        JitterFraction = jitterFraction;
        _random = random ?? Random.Shared;
    }

    /// <summary>The policy with its documented defaults.</summary>
    public static RetryPolicy Default { get; } = new();

    /// <summary>The nominal wait after the first failed attempt.</summary>
    public TimeSpan BaseDelay { get; }

    /// <summary>The largest nominal wait.</summary>
    public TimeSpan MaxDelay { get; }

    /// <summary>The relative jitter: 0.2 means the actual wait is within +/-20% of the nominal one.</summary>
    public double JitterFraction { get; }

    /// <summary>The wait before the next attempt, without jitter, after attempt <paramref name="failedAttempt"/>.</summary>
    /// <param name="failedAttempt">The attempt that failed, from 1.</param>
    public TimeSpan NominalDelay(int failedAttempt)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(failedAttempt, 1);
        // Past 2^40 the product overflows long ticks; any cap a human would set is reached long before.
        int doublings = Math.Min(failedAttempt - 1, 40);
        double ticks = BaseDelay.Ticks * Math.Pow(2, doublings);
        return ticks >= MaxDelay.Ticks ? MaxDelay : TimeSpan.FromTicks((long)ticks);
    }

    /// <summary>The wait before the next attempt, with jitter, after attempt <paramref name="failedAttempt"/>.</summary>
    /// <param name="failedAttempt">The attempt that failed, from 1.</param>
    public TimeSpan NextDelay(int failedAttempt)
    {
        TimeSpan nominal = NominalDelay(failedAttempt);
        double factor = 1.0 + (JitterFraction * ((2.0 * _random.NextDouble()) - 1.0));
        return TimeSpan.FromTicks((long)(nominal.Ticks * factor));
    }
}
