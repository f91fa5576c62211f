using FineTune.Api.Telemetry;
using FineTune.Persistence.Events;
using FineTune.Persistence.Notifications;
using Microsoft.AspNetCore.SignalR;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Hubs;

/// <summary>
/// The one service that pushes job events to <see cref="JobsHub"/> clients (<see cref="JobsHub"/> only manages who is
/// subscribed). It listens on <see cref="NotificationChannels.JobEvents"/>, so an event appended through any API
/// instance or worker reaches the subscribers of every instance.
/// </summary>
/// <remarks>
/// <para>
/// Guarantee: for each (connection, job) subscription made with <c>afterSeq</c>, the connection receives the events
/// with seq &gt; <c>afterSeq</c> in seq order, each once, with no gaps, for as long as it stays subscribed.
/// </para>
/// <para>
/// Why it holds. (1) Each subscription has exactly one pump, the only code that sends that job's events to that
/// connection; it sends one event at a time and awaits each send, so the connection receives them in the order sent.
/// (2) The pump sends only what it reads with <see cref="JobEventLog.ReadEventsAsync"/> after its last sent seq,
/// oldest first, and advances that seq after each send, so no event is sent twice and seqs only increase.
/// (3) The log is gapless and an append commits only after the previous seq's append did (both append statements
/// row-lock the job to take the next seq; docs/queue.md guarantee 8), so a read after seq n returns n+1, n+2, ... with
/// no holes. (4) Nothing is missed: the subscription is registered before its first read. An event committed before
/// that read is in it. One committed later sends its NOTIFY at commit, which wakes the pump (the wake-up is cleared
/// just before each read, so a wake-up that arrives during a read or send causes one more read). Notifications the
/// listener could not hear (before its first LISTEN, or while it reconnects) are made up for by a wake-up of every
/// pump once it listens again (<see cref="NotificationListener.MissedNotifications"/>), and each pump also re-reads
/// every <see cref="JobsHubOptions.PollInterval"/> (docs/queue.md guarantee 9: NOTIFY is only a hint).
/// </para>
/// <para>
/// Why not SignalR groups (the design's <c>job:{id}</c>): a group push goes to every member at once and cannot be
/// merged with one member's catch-up without either sending an event twice or holding the group's pushes back. One
/// sender per subscription through <c>Clients.Client(connectionId)</c> keeps the argument above local, at the cost of
/// one small read per subscriber per event. A connection gets one pump per subscribed job; events of different jobs
/// may interleave.
/// </para>
/// </remarks>
public sealed partial class JobEventNotifier : IHostedService, IDisposable
{
    private readonly IHubContext<JobsHub, IJobsClient> _hubContext;
    private readonly JobEventLog _eventLog;
    private readonly NotificationListener _listener;
    private readonly JobsHubOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;
    private readonly ApiMetrics? _metrics;
    private readonly IDisposable _notifications;
    private readonly CancellationTokenSource _stopping = new();
    private bool _disposed;
    private readonly Lock _lock = new();
    private readonly Dictionary<Guid, List<JobEventSubscription>> _byJob = [];
    // Keyed by tenant too: the cache serves what its tenant's read returned, and must never serve another tenant.
    private readonly Dictionary<(Guid TenantId, Guid JobId), JobEventCache> _caches = [];
    private readonly Dictionary<string, Dictionary<Guid, JobEventSubscription>> _byConnection = new(StringComparer.Ordinal);
    private readonly Dictionary<string, TaskCompletionSource> _connectionDrained = new(StringComparer.Ordinal);

    /// <summary>Creates the notifier and subscribes it to <paramref name="listener"/>.</summary>
    /// <param name="hubContext">Sends to the hub's connections.</param>
    /// <param name="eventLog">The event log the pumps read.</param>
    /// <param name="listener">The process's LISTEN connection.</param>
    /// <param name="options">Poll interval, page size and limits.</param>
    /// <param name="timeProvider">The clock of polls and retry pauses (default system).</param>
    /// <param name="logger">Receives failed reads and sends.</param>
    /// <param name="metrics">Records the fan-out lag of each live event sent (none in tests that build it bare).</param>
    public JobEventNotifier(
        IHubContext<JobsHub, IJobsClient> hubContext,
        JobEventLog eventLog,
        NotificationListener listener,
        IOptions<JobsHubOptions> options,
        TimeProvider? timeProvider = null,
        ILogger<JobEventNotifier>? logger = null,
        ApiMetrics? metrics = null)
    {
        _metrics = metrics;
        ArgumentNullException.ThrowIfNull(hubContext);
        ArgumentNullException.ThrowIfNull(eventLog);
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(options);
        _hubContext = hubContext;
        _eventLog = eventLog;
        _listener = listener;
        _options = options.Value;
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(_options.PollInterval, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.PageSize, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(_options.MaxSubscriptionsPerConnection, 1);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<JobEventNotifier>.Instance;
        _notifications = listener.Subscribe(NotificationChannels.JobEvents, OnJobEvent);
        _ = WakeAllWhenListeningAsync();
    }

    /// <summary>
    /// Starts sending <paramref name="jobId"/>'s events after <paramref name="afterSeq"/> to the connection, first the
    /// stored ones, then each new one. The caller has checked that the job belongs to <paramref name="tenantId"/>.
    /// A second subscription of the same connection to the same job replaces the first (which is stopped first).
    /// False when the connection already watches <see cref="JobsHubOptions.MaxSubscriptionsPerConnection"/> jobs.
    /// </summary>
    /// <param name="connectionId">The SignalR connection.</param>
    /// <param name="tenantId">The job's tenant; every read is scoped by it.</param>
    /// <param name="jobId">The job.</param>
    /// <param name="afterSeq">The last seq the client already has (0 for everything).</param>
    /// <param name="connectionAborted">The connection's aborted token; the subscription ends with it.</param>
    public async Task<bool> SubscribeAsync(string connectionId, Guid tenantId, Guid jobId, long afterSeq, CancellationToken connectionAborted)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        ArgumentOutOfRangeException.ThrowIfNegative(afterSeq);
        while (true)
        {
            // One pump per (connection, job) is what orders the stream, so an old one must be gone before a new starts.
            await UnsubscribeAsync(connectionId, jobId);
            lock (_lock)
            {
                if (!_byConnection.TryGetValue(connectionId, out Dictionary<Guid, JobEventSubscription>? jobs))
                {
                    jobs = [];
                    _byConnection.Add(connectionId, jobs);
                }
                if (jobs.ContainsKey(jobId))
                {
                    // A concurrent call subscribed meanwhile (SignalR serializes a connection's calls; others may not).
                    continue;
                }
                if (jobs.Count >= _options.MaxSubscriptionsPerConnection)
                {
                    return false;
                }
                var subscription = new JobEventSubscription(connectionId, tenantId, jobId, afterSeq, _stopping.Token, connectionAborted);
                jobs.Add(jobId, subscription);
                if (!_byJob.TryGetValue(jobId, out List<JobEventSubscription>? subscribers))
                {
                    subscribers = [];
                    _byJob.Add(jobId, subscribers);
                }
                subscribers.Add(subscription);
                // Registered first, read second: see the remarks on the type.
                subscription.Pump = PumpAsync(subscription);
                return true;
            }
        }
    }

    /// <summary>Stops sending <paramref name="jobId"/>'s events to the connection; nothing more arrives once it returns.</summary>
    public async Task UnsubscribeAsync(string connectionId, Guid jobId)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        JobEventSubscription? subscription;
        lock (_lock)
        {
            subscription = _byConnection.TryGetValue(connectionId, out Dictionary<Guid, JobEventSubscription>? jobs)
                && jobs.TryGetValue(jobId, out JobEventSubscription? found)
                && Remove(found) ? found : null;
        }
        if (subscription is not null)
        {
            await StopAndDisposeAsync(subscription);
        }
    }

    /// <summary>Ends every subscription of a connection (it disconnected).</summary>
    public async Task RemoveConnectionAsync(string connectionId)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        List<JobEventSubscription> removed;
        lock (_lock)
        {
            removed = _byConnection.TryGetValue(connectionId, out Dictionary<Guid, JobEventSubscription>? jobs) ? [.. jobs.Values] : [];
            removed.RemoveAll(subscription => !Remove(subscription));
        }
        await Task.WhenAll(removed.Select(StopAndDisposeAsync));
    }

    /// <summary>Test and readiness signal: completes once the LISTEN connection is up, so live events flow.</summary>
    public Task ListeningAsync(CancellationToken cancellationToken)
    {
        return _listener.ListeningAsync(cancellationToken);
    }

    /// <summary>Test signal: completes once the connection has no subscription left (at once if it has none).</summary>
    public Task ConnectionDrainedAsync(string connectionId, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionId);
        lock (_lock)
        {
            if (!_byConnection.ContainsKey(connectionId))
            {
                return Task.CompletedTask;
            }
            if (!_connectionDrained.TryGetValue(connectionId, out TaskCompletionSource? drained))
            {
                drained = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
                _connectionDrained.Add(connectionId, drained);
            }
            return drained.Task.WaitAsync(cancellationToken);
        }
    }

    /// <inheritdoc />
    public Task StartAsync(CancellationToken cancellationToken)
    {
        return Task.CompletedTask;
    }

    /// <summary>Ends every subscription; their pumps stop sending before this completes.</summary>
    public async Task StopAsync(CancellationToken cancellationToken)
    {
        // A host torn down by WebApplicationFactory may dispose its singletons before stopping them: nothing is left to stop.
        if (Volatile.Read(ref _disposed))
        {
            return;
        }
        await _stopping.CancelAsync();
        List<JobEventSubscription> removed;
        lock (_lock)
        {
            removed = [.. _byConnection.Values.SelectMany(jobs => jobs.Values)];
            removed.RemoveAll(subscription => !Remove(subscription));
        }
        await Task.WhenAll(removed.Select(StopAndDisposeAsync)).WaitAsync(cancellationToken);
    }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        Volatile.Write(ref _disposed, true);
        _notifications.Dispose();
        lock (_lock)
        {
            // Caches dropped while pumps ran are left to the GC (their semaphore holds no OS handle); these are the rest.
            foreach (JobEventCache cache in _caches.Values)
            {
                cache.Dispose();
            }
            _caches.Clear();
        }
        _stopping.Dispose();
    }

    private static async Task StopAndDisposeAsync(JobEventSubscription subscription)
    {
        await subscription.StopAsync();
        subscription.Dispose();
    }

    // Removes the subscription from both indexes if it is still registered; the caller holds _lock.
    private bool Remove(JobEventSubscription subscription)
    {
        if (!_byConnection.TryGetValue(subscription.ConnectionId, out Dictionary<Guid, JobEventSubscription>? jobs)
            || !jobs.TryGetValue(subscription.JobId, out JobEventSubscription? registered)
            || !ReferenceEquals(registered, subscription))
        {
            return false;
        }
        jobs.Remove(subscription.JobId);
        if (jobs.Count == 0)
        {
            _byConnection.Remove(subscription.ConnectionId);
            if (_connectionDrained.Remove(subscription.ConnectionId, out TaskCompletionSource? drained))
            {
                drained.TrySetResult();
            }
        }
        if (_byJob.TryGetValue(subscription.JobId, out List<JobEventSubscription>? subscribers))
        {
            subscribers.Remove(subscription);
            if (subscribers.Count == 0)
            {
                _byJob.Remove(subscription.JobId);
                // A pump of another subscription may still be inside a cache; they are small, so let the GC have them.
                foreach ((Guid TenantId, Guid JobId) key in _caches.Keys.Where(k => k.JobId == subscription.JobId).ToList())
                {
                    _caches.Remove(key);
                }
            }
        }
        return true;
    }
}
