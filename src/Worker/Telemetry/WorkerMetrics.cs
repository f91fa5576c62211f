using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Text.Json;
using FineTune.Persistence.Queue;
using FineTune.Training.Backends;

namespace FineTune.Worker.Telemetry;

/// <summary>
/// The worker's instruments (meter <c>FineTune.Worker</c>); docs/operations.md lists them with their Prometheus
/// names. <c>finetune serve</c> exports them on the API's <c>/metrics</c>; a worker process of its own exports them to
/// OTLP when <c>OTEL_EXPORTER_OTLP_ENDPOINT</c> is set.
/// </summary>
public sealed class WorkerMetrics : IDisposable
{
    /// <summary>The meter name, for <c>AddMeter</c>.</summary>
    public const string MeterName = "FineTune.Worker";

    // From sub-second (an idle worker wakes on NOTIFY) to hours (a queue behind long training jobs).
    private static readonly double[] s_waitBucketsSeconds = [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600, 14400];

    private readonly Meter _meter;
    private readonly Histogram<double> _queueWait;
    private readonly Counter<long> _steps;
    private readonly Counter<long> _tokens;
    private readonly Counter<long> _attempts;
    private readonly ConcurrentDictionary<int, (string Backend, double TokensPerSecond)> _throughputBySlot = new();

    /// <summary>
    /// Creates the instruments on a meter from <paramref name="meters"/>; the GPU memory gauges read the devices of the
    /// available backends in <paramref name="backends"/> (the built-in ones when null), and exist only where some
    /// backend has a device.
    /// </summary>
    public WorkerMetrics(IMeterFactory meters, BackendCatalog? backends = null)
    {
        ArgumentNullException.ThrowIfNull(meters);
        _meter = meters.Create(MeterName);
        _queueWait = _meter.CreateHistogram(
            "finetune.queue.wait",
            unit: "s",
            description: "From a job's submission to its first claim by a worker (submit to running).",
            tags: null,
            advice: new InstrumentAdvice<double> { HistogramBucketBoundaries = s_waitBucketsSeconds });
        _steps = _meter.CreateCounter<long>("finetune.train.steps", unit: "{step}", description: "Optimizer steps trained, by backend.");
        _tokens = _meter.CreateCounter<long>("finetune.train.tokens", unit: "{token}", description: "Real (unpadded) tokens trained, by backend; rate() of it is the worker's throughput.");
        _attempts = _meter.CreateCounter<long>("finetune.worker.attempts", unit: "{attempt}", description: "Job attempts ended, by outcome (succeeded, failed, retrying, cancelled, released, lease_lost, abandoned).");
        _meter.CreateObservableGauge(
            "finetune.train.tokens_per_second",
            () => _throughputBySlot.Select(pair => new Measurement<double>(
                pair.Value.TokensPerSecond, new KeyValuePair<string, object?>("backend", pair.Value.Backend), new KeyValuePair<string, object?>("slot", pair.Key))),
            unit: "{token}/s",
            description: "Training throughput of the job running in each slot, as its latest step event reports it (tokens since the attempt began / seconds); no series while a slot is idle.");
        ITrainingBackend? withDevices = (backends ?? BackendCatalog.Default).All.FirstOrDefault(backend => backend.IsAvailable && backend.ListDevices().Count > 0);
        if (withDevices is not null)
        {
            _meter.CreateObservableGauge("finetune.worker.gpu.memory.peak", () => GpuMemory(withDevices, memory => memory.PeakAllocatedBytes), unit: "By",
                description: "Peak bytes the caching allocator has handed to tensors on each GPU since the worker started (torch.cuda.max_memory_allocated).");
            _meter.CreateObservableGauge("finetune.worker.gpu.memory.allocated", () => GpuMemory(withDevices, memory => memory.AllocatedBytes), unit: "By",
                description: "Bytes held by tensors on each GPU now.");
            _meter.CreateObservableGauge("finetune.worker.gpu.memory.total", () => GpuMemory(withDevices, memory => memory.TotalBytes), unit: "By",
                description: "Each GPU's memory.");
        }
    }

    /// <summary>Records a claim: the queue wait of a first attempt (later attempts waited for a retry, not a worker).</summary>
    public void Claimed(JobLease lease)
    {
        ArgumentNullException.ThrowIfNull(lease);
        if (lease.Attempt == 1 && lease.Job.AttemptedAt is DateTimeOffset claimedAt)
        {
            // Both times come from the database's clock, so worker clock skew does not enter the figure.
            _queueWait.Record(Math.Max(0, (claimedAt - lease.Job.CreatedAt).TotalSeconds), new KeyValuePair<string, object?>("backend", lease.Job.Backend));
        }
    }

    /// <summary>Starts tracking the attempt running in <paramref name="slot"/>; dispose the result when it ends.</summary>
    public AttemptMetrics Track(string backend, int slot) => new(this, backend, slot);

    /// <summary>Counts an ended attempt by its outcome.</summary>
    public void AttemptEnded(JobOutcomeKind outcome)
    {
        _attempts.Add(1, new KeyValuePair<string, object?>("outcome", JsonNamingPolicy.SnakeCaseLower.ConvertName(outcome.ToString())));
    }

    /// <inheritdoc />
    public void Dispose() => _meter.Dispose();

    internal void Step(string backend, int slot, long tokens, double tokensPerSecond)
    {
        var tag = new KeyValuePair<string, object?>("backend", backend);
        _steps.Add(1, tag);
        _tokens.Add(tokens, tag);
        if (double.IsFinite(tokensPerSecond))
        {
            _throughputBySlot[slot] = (backend, tokensPerSecond);
        }
    }

    internal void SlotIdle(int slot) => _throughputBySlot.TryRemove(slot, out _);

    // The device tag is the device's index in the backend's list (for libtorch-cuda, the CUDA ordinal).
    private static IEnumerable<Measurement<long>> GpuMemory(ITrainingBackend backend, Func<DeviceMemory, long> figure)
    {
        IReadOnlyList<DeviceMemory> devices = backend.ReadDeviceMemory();
        for (int device = 0; device < devices.Count; device++)
        {
            yield return new Measurement<long>(figure(devices[device]), new KeyValuePair<string, object?>("device", device));
        }
    }
}
