using System.Threading.Channels;

namespace FineTune.Api.Hubs;

/// <summary>
/// The state of one connection's subscription to one job: the last seq sent, a coalescing wake-up flag, and the pump
/// task that <see cref="JobEventNotifier"/> runs for it. Exactly one pump sends this job's events to this connection,
/// so their order is the order in which that pump sends them.
/// </summary>
internal sealed class JobEventSubscription : IDisposable
{
    // Capacity 1, extra writes dropped: any number of notifications between two reads collapse into one re-read.
    private readonly Channel<bool> _wake = Channel.CreateBounded<bool>(
        new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropWrite, SingleReader = true });

    private readonly CancellationTokenSource _stopping;
    private long _lastDeliveredSeq;

    // 1 when the next read must go to the log rather than trust notifications: the first read, after lost
    // notifications, and after a poll timeout.
    private int _mustReadLog = 1;

    public JobEventSubscription(string connectionId, Guid tenantId, Guid jobId, long afterSeq, CancellationToken notifierStopping, CancellationToken connectionAborted)
    {
        ConnectionId = connectionId;
        TenantId = tenantId;
        JobId = jobId;
        _lastDeliveredSeq = afterSeq;
        _stopping = CancellationTokenSource.CreateLinkedTokenSource(notifierStopping, connectionAborted);
    }

    public string ConnectionId { get; }

    /// <summary>When the subscription began: events stored before it are catch-up, not fan-out.</summary>
    public DateTimeOffset SubscribedAt { get; } = DateTimeOffset.UtcNow;

    public Guid TenantId { get; }

    public Guid JobId { get; }

    /// <summary>The highest seq sent to the connection (at first, the subscriber's <c>afterSeq</c>).</summary>
    public long LastDeliveredSeq => Volatile.Read(ref _lastDeliveredSeq);

    /// <summary>Cancelled when the subscription ends: unsubscribed, connection gone, or host stopping.</summary>
    public CancellationToken Stopping => _stopping.Token;

    /// <summary>The pump; set once, while the subscription is being registered. It never faults.</summary>
    public Task Pump { get; set; } = Task.CompletedTask;

    /// <summary>
    /// Asks the pump to re-read the log: <paramref name="seq"/> was appended, or 0 when unknown (notifications were
    /// lost). Seqs already sent are ignored, so the usual notification of an event just read costs nothing.
    /// </summary>
    public void Wake(long seq)
    {
        if (seq == 0)
        {
            Volatile.Write(ref _mustReadLog, 1);
        }
        if (seq == 0 || seq > LastDeliveredSeq)
        {
            _wake.Writer.TryWrite(true);
        }
    }

    /// <summary>Clears a pending wake-up; the pump calls it just before it reads, so later appends wake it again.</summary>
    public void ClearWake()
    {
        _wake.Reader.TryRead(out _);
    }

    /// <summary>Waits until woken, or until <paramref name="pollInterval"/> passes.</summary>
    public async Task WaitForWakeAsync(TimeSpan pollInterval, TimeProvider timeProvider, CancellationToken cancellationToken)
    {
        try
        {
            await _wake.Reader.WaitToReadAsync(cancellationToken).AsTask().WaitAsync(pollInterval, timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            // Polling is the correctness path: the next read goes to the log, whatever notifications said.
            Volatile.Write(ref _mustReadLog, 1);
        }
    }

    /// <summary>Whether the next read must go to the log (and resets the flag).</summary>
    public bool TakeMustReadLog() => Interlocked.Exchange(ref _mustReadLog, 0) == 1;

    /// <summary>Records that <paramref name="seq"/> was sent.</summary>
    public void MarkDelivered(long seq)
    {
        Volatile.Write(ref _lastDeliveredSeq, seq);
    }

    /// <summary>
    /// Ends the pump and waits for it, so nothing more is sent once this returns. Only whoever removed the
    /// subscription from the registry calls it (and then <see cref="Dispose"/>); a pump that ended by itself removed
    /// and disposed its own subscription.
    /// </summary>
    public async Task StopAsync()
    {
        await _stopping.CancelAsync();
        await Pump;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _stopping.Dispose();
    }
}
