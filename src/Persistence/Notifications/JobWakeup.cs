namespace FineTune.Persistence.Notifications;

/// <summary>
/// Lets an idle worker sleep until a job it could run may have become claimable, or until its poll interval passes,
/// whichever is first. A notification that arrives while the worker is busy is remembered, so the next wait returns
/// at once. Either way the worker then tries <see cref="Queue.JobQueue.ClaimAsync"/>: the claim, not the
/// notification, decides.
/// </summary>
public sealed class JobWakeup : IDisposable
{
    private readonly HashSet<string> _backends;
    private readonly IDisposable _subscription;
    private readonly TimeProvider _timeProvider;
    private readonly Lock _lock = new();
    private TaskCompletionSource<bool>? _waiter;
    private bool _pending;

    /// <summary>Subscribes to <see cref="NotificationChannels.JobAvailable"/> for <paramref name="backends"/>.</summary>
    /// <param name="listener">The process's listener.</param>
    /// <param name="backends">The backends this worker runs; notifications for others are ignored.</param>
    /// <param name="timeProvider">The clock of the poll timeout (default system).</param>
    public JobWakeup(NotificationListener listener, IEnumerable<string> backends, TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(listener);
        ArgumentNullException.ThrowIfNull(backends);
        _backends = new HashSet<string>(backends, StringComparer.Ordinal);
        _timeProvider = timeProvider ?? TimeProvider.System;
        _subscription = listener.Subscribe(NotificationChannels.JobAvailable, OnJobAvailable);
    }

    /// <summary>
    /// Waits for a wake-up. True when notified (or a notification was pending), false when
    /// <paramref name="pollInterval"/> passed without one.
    /// </summary>
    public async Task<bool> WaitAsync(TimeSpan pollInterval, CancellationToken cancellationToken)
    {
        TaskCompletionSource<bool> waiter;
        lock (_lock)
        {
            if (_pending)
            {
                _pending = false;
                return true;
            }
            _waiter ??= new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously);
            waiter = _waiter;
        }
        try
        {
            return await waiter.Task.WaitAsync(pollInterval, _timeProvider, cancellationToken);
        }
        catch (TimeoutException)
        {
            return false;
        }
        finally
        {
            lock (_lock)
            {
                if (ReferenceEquals(_waiter, waiter))
                {
                    _waiter = null;
                }
            }
        }
    }

    /// <summary>Stops listening.</summary>
    public void Dispose()
    {
        _subscription.Dispose();
    }

    private void OnJobAvailable(string backend)
    {
        // MissedNotifications (empty) after a reconnect matches every worker: something may have been queued.
        if (backend.Length > 0 && !_backends.Contains(backend))
        {
            return;
        }
        TaskCompletionSource<bool>? waiter;
        lock (_lock)
        {
            waiter = _waiter;
            _waiter = null;
            _pending = waiter is null;
        }
        waiter?.TrySetResult(true);
    }
}
