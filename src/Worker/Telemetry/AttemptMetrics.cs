using FineTune.Contracts.Events;

namespace FineTune.Worker.Telemetry;

/// <summary>The metrics of one running attempt: its steps feed the counters and its slot's throughput gauge.</summary>
public sealed class AttemptMetrics : IDisposable
{
    private readonly WorkerMetrics _metrics;
    private readonly string _backend;
    private readonly int _slot;

    internal AttemptMetrics(WorkerMetrics metrics, string backend, int slot)
    {
        _metrics = metrics;
        _backend = backend;
        _slot = slot;
    }

    /// <summary>Records a step as its event reports it (the same tokens/s figure as the step event).</summary>
    public void Step(StepReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        double tokensPerSecond = report.ElapsedSeconds > 0 ? report.TokensSeen / report.ElapsedSeconds : double.NaN;
        _metrics.Step(_backend, _slot, report.Tokens, tokensPerSecond);
    }

    /// <summary>The slot is idle again: its throughput series goes away.</summary>
    public void Dispose() => _metrics.SlotIdle(_slot);
}
