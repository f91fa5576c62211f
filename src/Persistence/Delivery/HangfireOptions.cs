namespace FineTune.Persistence.Delivery;

/// <summary>
/// How Hangfire is used, bound from the configuration section <c>HangfireOptions</c>. The storage is Hangfire.PostgreSql
/// in the schema <see cref="SchemaName"/> of FineTune's own database, so one backup holds both.
/// </summary>
public sealed class HangfireOptions
{
    /// <summary>The schema of Hangfire's tables (default <c>hangfire</c>), created when a host starts.</summary>
    public string SchemaName { get; set; } = "hangfire";

    /// <summary>
    /// How long a fetched job stays invisible to other servers without a keep-alive (default 5 min). Hangfire renews it
    /// while the fetching server lives (sliding invisibility), so a job runs for hours on one server; after a kill -9 the
    /// job is delivered again once this passes. Keep it at least the queue's lease duration: a delivery that comes
    /// earlier finds the old attempt's lease still live and waits for it.
    /// </summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    /// <summary>How often an idle server polls its queues besides the LISTEN/NOTIFY wake-up (default 15 s).</summary>
    public TimeSpan QueuePollInterval { get; set; } = TimeSpan.FromSeconds(15);

    /// <summary>How often delayed jobs (retries after a backoff) are moved to their queue (default 5 s).</summary>
    public TimeSpan SchedulePollingInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How often the dispatcher sweeps for queued jobs Hangfire has not been given (default 5 s).</summary>
    public TimeSpan DispatchSweepInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>Hand jobs to Hangfire from this host (default true). Every host may; they never hand one over twice.</summary>
    public bool Dispatch { get; set; } = true;
}
