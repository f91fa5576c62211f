namespace FineTune.Worker;

/// <summary>
/// Remembers the latest values published (up to a limit) and completes waiters whose predicate a value matches,
/// whether it was published before or after they started waiting. The building block of <see cref="JobSignals"/>.
/// </summary>
internal sealed class SignalBoard<T>
{
    private readonly int _historyLimit;
    private readonly Lock _lock = new();
    private readonly Queue<T> _history = new();
    private readonly List<(Func<T, bool> Match, TaskCompletionSource<T> Signal)> _waiters = [];

    public SignalBoard(int historyLimit)
    {
        _historyLimit = historyLimit;
    }

    public void Publish(T value)
    {
        List<TaskCompletionSource<T>> matched = [];
        lock (_lock)
        {
            _history.Enqueue(value);
            while (_history.Count > _historyLimit)
            {
                _history.Dequeue();
            }
            for (int i = _waiters.Count - 1; i >= 0; i--)
            {
                if (_waiters[i].Match(value))
                {
                    matched.Add(_waiters[i].Signal);
                    _waiters.RemoveAt(i);
                }
            }
        }
        foreach (TaskCompletionSource<T> signal in matched)
        {
            signal.TrySetResult(value);
        }
    }

    public async Task<T> WaitAsync(Func<T, bool> match, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(match);
        var signal = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
        (Func<T, bool>, TaskCompletionSource<T>) waiter = (match, signal);
        lock (_lock)
        {
            foreach (T value in _history)
            {
                if (match(value))
                {
                    return value;
                }
            }
            _waiters.Add(waiter);
        }
        try
        {
            return await signal.Task.WaitAsync(cancellationToken);
        }
        finally
        {
            lock (_lock)
            {
                _waiters.Remove(waiter);
            }
        }
    }
}
