using FineTune.Persistence.Entities;
using FineTune.Persistence.Events;

namespace FineTune.Api.Hubs;

/// <summary>
/// The recent events of one job for one tenant, shared by all its subscriptions, so that one new event costs one
/// database read however many clients follow the job (without it, 1,000 subscribers meant 1,000 reads per event).
/// </summary>
/// <remarks>
/// It holds a contiguous run of seqs exactly as read from the log, so serving from it keeps the pumps' order and
/// no-gap guarantees. <see cref="KnownSeq"/> is the highest seq a notification announced; since a notification fires
/// at commit and seq n+1 commits after n, a read started after it sees every seq up to it. A pump keeps reading until
/// it has delivered <see cref="KnownSeq"/>, and the cache refills (one pump at a time, the others then served from
/// memory) only when it lacks what is known. Reads that must not trust notifications (a subscription's first read,
/// after lost notifications, on a poll) and pumps further behind than the cached run go to the log directly.
/// </remarks>
internal sealed class JobEventCache(JobEventLog eventLog, Guid tenantId, Guid jobId, int capacity) : IDisposable
{
    private readonly Lock _lock = new();
    private readonly SemaphoreSlim _refill = new(1, 1);
    private readonly List<JobEvent> _events = [];
    private long _knownSeq;

    /// <summary>The highest seq announced by a notification (or seen in a read).</summary>
    public long KnownSeq => Interlocked.Read(ref _knownSeq);

    /// <summary>Records a notified (committed) seq.</summary>
    public void Notify(long seq)
    {
        long known;
        while (seq > (known = Interlocked.Read(ref _knownSeq)) && Interlocked.CompareExchange(ref _knownSeq, seq, known) != known)
        {
        }
    }

    /// <summary>Up to <paramref name="limit"/> events after <paramref name="afterSeq"/>, oldest first.</summary>
    public async Task<IReadOnlyList<JobEvent>> ReadAfterAsync(long afterSeq, int limit, bool readLog, CancellationToken cancellationToken)
    {
        if (readLog)
        {
            return Seen(await eventLog.ReadEventsAsync(tenantId, jobId, afterSeq, limit, cancellationToken));
        }
        if (TryServe(afterSeq, limit, out IReadOnlyList<JobEvent> cached, out bool behind) && cached.Count > 0)
        {
            return cached;
        }
        if (behind)
        {
            return Seen(await eventLog.ReadEventsAsync(tenantId, jobId, afterSeq, limit, cancellationToken));
        }
        if (KnownSeq <= afterSeq)
        {
            return [];
        }
        await _refill.WaitAsync(cancellationToken);
        try
        {
            // Another pump may have refilled while this one waited: its events may serve this one, or may have moved
            // the cached run past it (a subscriber ahead of the log) — then this pump reads the log directly.
            if (TryServe(afterSeq, limit, out cached, out behind) && cached.Count > 0)
            {
                return cached;
            }
            if (behind)
            {
                return Seen(await eventLog.ReadEventsAsync(tenantId, jobId, afterSeq, limit, cancellationToken));
            }
            long from;
            lock (_lock)
            {
                from = _events.Count > 0 && _events[^1].Seq >= afterSeq ? _events[^1].Seq : afterSeq;
            }
            IReadOnlyList<JobEvent> fresh = Seen(await eventLog.ReadEventsAsync(tenantId, jobId, from, limit, cancellationToken));
            lock (_lock)
            {
                if (_events.Count == 0 || _events[^1].Seq != from)
                {
                    _events.Clear();
                }
                _events.AddRange(fresh);
                if (_events.Count > capacity)
                {
                    _events.RemoveRange(0, _events.Count - capacity);
                }
            }
            TryServe(afterSeq, limit, out cached, out _);
            return cached;
        }
        finally
        {
            _refill.Release();
        }
    }

    private IReadOnlyList<JobEvent> Seen(IReadOnlyList<JobEvent> events)
    {
        if (events.Count > 0)
        {
            Notify(events[^1].Seq);
        }
        return events;
    }

    /// <summary>The cached events after afterSeq, when the cached run starts at or before afterSeq + 1.</summary>
    private bool TryServe(long afterSeq, int limit, out IReadOnlyList<JobEvent> events, out bool behind)
    {
        lock (_lock)
        {
            behind = _events.Count > 0 && _events[0].Seq > afterSeq + 1;
            if (_events.Count == 0 || behind)
            {
                events = [];
                return false;
            }
            int start = _events.FindIndex(e => e.Seq > afterSeq);
            events = start < 0 ? [] : _events.GetRange(start, Math.Min(limit, _events.Count - start));
            return true;
        }
    }

    /// <inheritdoc />
    public void Dispose() => _refill.Dispose();
}
