namespace FineTune.Persistence.Queue;

/// <summary>Queue timing, bound from the configuration section <c>JobQueueOptions</c>.</summary>
public sealed class JobQueueOptions
{
    /// <summary>
    /// How long a claim lasts without a heartbeat (default 2 min). Heartbeat at a third of it. Rescue happens only
    /// after expiry, so this is also how long a crashed worker's job waits before another worker resumes it; a GC pause
    /// or a slow checkpoint upload must stay well below it.
    /// </summary>
    public TimeSpan LeaseDuration { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>How often the rescuer looks for expired leases (default 30 s).</summary>
    public TimeSpan RescueInterval { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>Jobs rescued per statement (default 100); a pass repeats until a batch comes back short.</summary>
    public int RescueBatchSize { get; set; } = 100;

    /// <summary>Wait after the first failed attempt; doubles per attempt (see <see cref="RetryPolicy"/>).</summary>
    public TimeSpan RetryBaseDelay { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>The largest wait between attempts.</summary>
    public TimeSpan RetryMaxDelay { get; set; } = TimeSpan.FromMinutes(30);
}
