namespace FineTune.Api.Hubs;

/// <summary>Settings of the jobs hub, bound from the configuration section <c>JobsHubOptions</c>.</summary>
public sealed class JobsHubOptions
{
    /// <summary>
    /// How often a subscription re-reads its job's log when no notification came (default 10 s). NOTIFY is only a
    /// hint (docs/queue.md, guarantee 9); this poll bounds the delay of an event whose notification was lost.
    /// </summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(10);

    /// <summary>The most events one read fetches (default 500); a long catch-up takes several reads.</summary>
    public int PageSize { get; set; } = 500;

    /// <summary>The most jobs one connection may watch at once (default 100); each costs a poll per interval.</summary>
    public int MaxSubscriptionsPerConnection { get; set; } = 100;

    /// <summary>The pause after a failed read or send before the subscription tries again (default 1 s).</summary>
    public TimeSpan RetryDelay { get; set; } = TimeSpan.FromSeconds(1);
}
