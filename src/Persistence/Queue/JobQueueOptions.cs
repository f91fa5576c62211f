namespace FineTune.Persistence.Queue;

/// <summary>Queue timing, bound from the configuration section <c>JobQueueOptions</c>.</summary>
public sealed class JobQueueOptions
{
    /// <summary>
    /// How long a claim lasts without a heartbeat (default 2 min). Heartbeat at a third of it. A redelivery takes a
    /// job over only after expiry, so a crashed worker's job waits at least this long (and Hangfire's invisibility
    /// timeout) before another worker resumes it; a GC pause, a slow checkpoint upload or a database restart must stay
    /// well below it.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Wait after the first failed attempt; doubles per attempt (see <see cref="RetryPolicy"/>).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest wait between attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);
}
