using System.Text.Json.Nodes;
using FineTune.Persistence.Queue;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Execution;

/// <summary>
/// One attempt's lease as the worker sees it: whether it is still held, whether a cancel was requested, whether
/// writing has failed, and the token that stops the trainer in any of those cases. Once the lease is lost nothing is
/// written again: the queue's fencing would refuse it anyway (docs/queue.md guarantee 3).
/// </summary>
internal sealed class LeaseSession : IDisposable
{
    private readonly JobQueue _queue;
    private readonly JobSignals _signals;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private int _lost;
    private int _cancelRequested;
    private int _pauseRequested;
    private Exception? _fault;
    private volatile string? _progress;

    public LeaseSession(JobLease lease, JobQueue queue, JobSignals signals, ILogger logger)
    {
        Lease = lease;
        _queue = queue;
        _signals = signals;
        _logger = logger;
    }

    public JobLease Lease { get; }

    /// <summary>The lease was rescued (or the job finalized elsewhere); write nothing more.</summary>
    public bool Lost => Volatile.Read(ref _lost) != 0;

    /// <summary>A heartbeat reported that the job is being cancelled.</summary>
    public bool CancelRequested => Volatile.Read(ref _cancelRequested) != 0;

    /// <summary>A heartbeat reported that the job is to be paused.</summary>
    public bool PauseRequested => Volatile.Read(ref _pauseRequested) != 0;

    /// <summary>The first write that failed for a reason other than a lost lease, if any.</summary>
    public Exception? Fault => Volatile.Read(ref _fault);

    /// <summary>Cancelled when the trainer must stop: lost lease, cancel or pause request, or a failed write.</summary>
    public CancellationToken StopToken => _stop.Token;

    /// <summary>The latest progress JSON, sent with each heartbeat.</summary>
    public string? Progress
    {
        get => _progress;
        set => _progress = value;
    }

    public void MarkLost()
    {
        if (Interlocked.Exchange(ref _lost, 1) == 0)
        {
            _logger.LogWarning("Job {JobId}: lost the lease of attempt {Attempt}; stopping without further writes", Lease.JobId, Lease.Attempt);
        }
        Stop();
    }

    /// <summary>Records a cancel request; true the first time.</summary>
    public bool MarkCancelRequested()
    {
        bool first = Interlocked.Exchange(ref _cancelRequested, 1) == 0;
        if (first)
        {
            _logger.LogInformation("Job {JobId}: cancel requested; stopping at the next step", Lease.JobId);
        }
        Stop();
        return first;
    }

    /// <summary>Records a pause request: the trainer stops at its next step and checkpoints.</summary>
    public void MarkPauseRequested()
    {
        if (Interlocked.Exchange(ref _pauseRequested, 1) == 0)
        {
            _logger.LogInformation("Job {JobId}: pause requested; stopping at the next step after a checkpoint", Lease.JobId);
        }
        Stop();
    }

    public void MarkFaulted(Exception exception)
    {
        if (Interlocked.CompareExchange(ref _fault, exception, null) is null)
        {
            _logger.LogError(exception, "Job {JobId}: a write failed; stopping the attempt", Lease.JobId);
        }
        Stop();
    }

    /// <summary>
    /// Appends an event unless the lease is lost; false when it was not written because the lease is (now) lost.
    /// Other failures throw.
    /// </summary>
    public async Task<bool> AppendAsync(string type, JsonObject payload, CancellationToken cancellationToken)
    {
        if (Lost)
        {
            return false;
        }
        string json = payload.ToJsonString();
        try
        {
            long seq = await _queue.AppendEventAsync(Lease, type, json, cancellationToken);
            _signals.Publish(new AppendedEvent(Lease.JobId, Lease.Attempt, seq, type, json));
            return true;
        }
        catch (LeaseLostException)
        {
            MarkLost();
            return false;
        }
    }

    /// <summary>
    /// Ends the attempt through <paramref name="finish"/>, one of the queue's final writes, which stores this final event
    /// in the same transaction as the job's new state (so a client woken by the event never reads the state before
    /// it); returns that state. A lost lease throws <see cref="LeaseLostException"/>.
    /// </summary>
    public async Task<JobState> FinishAsync(string type, JsonObject payload, Func<FinalEvent, Task<(JobState State, long EventSeq)>> finish)
    {
        ArgumentNullException.ThrowIfNull(payload);
        ArgumentNullException.ThrowIfNull(finish);
        var finalEvent = new FinalEvent(type, payload.ToJsonString());
        (JobState state, long seq) = await finish(finalEvent);
        // 0: a retried write found its own earlier commit, whose event was already published.
        if (seq > 0)
        {
            _signals.Publish(new AppendedEvent(Lease.JobId, Lease.Attempt, seq, type, finalEvent.Payload));
        }
        return state;
    }

    public void Dispose()
    {
        _stop.Dispose();
    }

    private void Stop()
    {
        try
        {
            _stop.Cancel();
        }
        catch (ObjectDisposedException)
        {
            // The attempt is over; nothing is left to stop.
        }
    }
}
