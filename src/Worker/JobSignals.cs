namespace FineTune.Worker;

/// <summary>
/// Awaitable signals of a <see cref="JobRunner"/>: the events it appended and the outcomes of its attempts. Tests and
/// hosts wait on these instead of sleeping (STYLE.md section 5). The latest few thousand events and few hundred
/// outcomes are remembered, so a wait that starts late still sees what already happened.
/// </summary>
public sealed class JobSignals
{
    private readonly SignalBoard<AppendedEvent> _events = new(historyLimit: 4096);
    private readonly SignalBoard<JobOutcome> _outcomes = new(historyLimit: 256);

    /// <summary>Completes with the first appended event matching <paramref name="match"/>.</summary>
    public Task<AppendedEvent> WaitForEventAsync(Func<AppendedEvent, bool> match, CancellationToken cancellationToken)
    {
        return _events.WaitAsync(match, cancellationToken);
    }

    /// <summary>Completes with the first outcome matching <paramref name="match"/>.</summary>
    public Task<JobOutcome> WaitForOutcomeAsync(Func<JobOutcome, bool> match, CancellationToken cancellationToken)
    {
        return _outcomes.WaitAsync(match, cancellationToken);
    }

    /// <summary>Completes with the outcome of the first attempt of <paramref name="jobId"/> this runner finished.</summary>
    public Task<JobOutcome> WaitForOutcomeAsync(Guid jobId, CancellationToken cancellationToken)
    {
        return _outcomes.WaitAsync(outcome => outcome.JobId == jobId, cancellationToken);
    }

    internal void Publish(AppendedEvent appended)
    {
        _events.Publish(appended);
    }

    internal void Publish(JobOutcome outcome)
    {
        _outcomes.Publish(outcome);
    }
}
