using FineTune.Persistence.Queue;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Execution;

/// <summary>
/// Renews an attempt's lease every heartbeat interval, sending the latest progress. A heartbeat that reports a cancel
/// or pause request or a lost lease stops the trainer through the <see cref="LeaseSession"/>. <see cref="Nudge"/> makes
/// the next heartbeat happen now: the worker calls it on a <c>job_cancel</c> notification (sent for a cancel or a pause
/// request), so a cancel or pause lands within a step rather than within a heartbeat interval. A failed heartbeat is
/// logged and retried at the next tick; the lease outlives several missed beats (a third of its duration each).
/// </summary>
internal sealed class LeaseKeeper : IDisposable
{
    private readonly LeaseSession _session;
    private readonly JobQueue _queue;
    private readonly TimeSpan _interval;
    private readonly ILogger _logger;
    private readonly SemaphoreSlim _nudge = new(0, 1);
    private readonly CancellationTokenSource _stop = new();
    private Task _loop = Task.CompletedTask;

    public LeaseKeeper(LeaseSession session, JobQueue queue, TimeSpan interval, ILogger logger)
    {
        _session = session;
        _queue = queue;
        _interval = interval;
        _logger = logger;
    }

    /// <summary>
    /// Starts heartbeating with a beat at once: a cancel or pause requested after the claim but before the caller
    /// listened for <c>job_cancel</c> sent its notification to nobody, and would otherwise wait a whole interval (a
    /// short job could end first).
    /// </summary>
    public void Start()
    {
        Nudge();
        _loop = Task.Run(() => RunAsync(_stop.Token));
    }

    public void Nudge()
    {
        try
        {
            _nudge.Release();
        }
        catch (SemaphoreFullException)
        {
            // A heartbeat is already due.
        }
        catch (ObjectDisposedException)
        {
            // The attempt is over.
        }
    }

    /// <summary>Stops heartbeating (before the attempt's final write, after which the job is no longer leased).</summary>
    public async Task StopAsync()
    {
        if (!_stop.IsCancellationRequested)
        {
            await _stop.CancelAsync();
        }
        await _loop;
    }

    public void Dispose()
    {
        _stop.Dispose();
        _nudge.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        while (!cancellationToken.IsCancellationRequested && !_session.Lost)
        {
            try
            {
                await _nudge.WaitAsync(_interval, cancellationToken);
                await BeatAsync(cancellationToken);
            }
            catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                _logger.LogWarning(exception, "Job {JobId}: heartbeat failed; retrying at the next tick", _session.Lease.JobId);
            }
        }
    }

    private async Task BeatAsync(CancellationToken cancellationToken)
    {
        LeaseStatus status = await _queue.HeartbeatAsync(_session.Lease, _session.Progress, cancellationToken);
        if (status == LeaseStatus.Lost)
        {
            _session.MarkLost();
        }
        else if (status == LeaseStatus.CancelRequested && _session.MarkCancelRequested())
        {
            await _session.AppendAsync(WorkerEventTypes.Status, WorkerEvents.Status("cancelling"), cancellationToken);
        }
        else if (status == LeaseStatus.PauseRequested && !_session.PauseRequested)
        {
            // Appended before the trainer is stopped, so "pausing" always precedes the worker's "paused".
            await _session.AppendAsync(WorkerEventTypes.Status, WorkerEvents.Status("pausing"), cancellationToken);
            _session.MarkPauseRequested();
        }
    }
}
