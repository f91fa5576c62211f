using System.Text.Json.Nodes;
using FineTune.Persistence.Notifications;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Workers;
using FineTune.Torch;
using FineTune.Training.Backends;
using FineTune.Worker.Jobs;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FineTune.Worker;

/// <summary>
/// The worker: a <see cref="BackgroundService"/> with <see cref="WorkerOptions.Slots"/> claim loops. Each loop claims
/// a job its backends and memory can run, runs it to the end of the attempt (<see cref="TrainLoraHandler"/>: training
/// on a dedicated thread, events through a channel, heartbeats, checkpoints), then claims the next; an idle loop sleeps
/// until a <c>job_available</c> notification or the queue's poll interval. Stopping the host stops every running job
/// at its next step, stores its checkpoint and releases its lease, uncharged. <see cref="Signals"/> lets tests wait.
/// </summary>
public sealed class JobRunner : BackgroundService
{
    private readonly JobQueue _queue;
    private readonly TrainLoraHandler _handler;
    private readonly WorkerRegistry _registry;
    private readonly NotificationListener _listener;
    private readonly WorkerOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly ILogger _logger;

    /// <summary>Creates the runner; its capabilities (backends, memory) are fixed here.</summary>
    public JobRunner(
        JobQueue queue,
        TrainLoraHandler handler,
        WorkerRegistry registry,
        NotificationListener listener,
        BackendCatalog backends,
        IOptions<WorkerOptions> options,
        TimeProvider? timeProvider = null,
        ILogger<JobRunner>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        _handler = handler;
        _registry = registry;
        _listener = listener;
        _options = options.Value;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _logger = logger ?? NullLogger<JobRunner>.Instance;
        (Capabilities, SlotCount) = DescribeCapabilities(backends, _options);
        ArgumentOutOfRangeException.ThrowIfLessThan(SlotCount, 1, nameof(options));
    }

    /// <summary>What this worker offers the queue; its <see cref="WorkerCapabilities.WorkerId"/> owns its leases.</summary>
    public WorkerCapabilities Capabilities { get; }

    /// <summary>Claim loops run at once (<see cref="GpuPlacement.SlotCount"/>).</summary>
    public int SlotCount { get; }

    /// <summary>Awaitable signals: appended events and attempt outcomes.</summary>
    public JobSignals Signals { get; } = new();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _logger.LogInformation(
            "Worker {WorkerId} starting: {Slots} slot(s), backends {Backends}, {MemoryGiB:F1} GiB per job",
            Capabilities.WorkerId, SlotCount, string.Join(", ", Capabilities.Backends), Capabilities.MemoryBytes / (double)(1L << 30));
        await TryAsync(() => _registry.RegisterAsync(Capabilities, stoppingToken), "register the worker");
        Task[] slots = Enumerable.Range(0, SlotCount).Select(slot => Task.Run(() => RunSlotAsync(slot, stoppingToken), CancellationToken.None)).ToArray();
        Task registryHeartbeat = BeatRegistryAsync(stoppingToken);
        await Task.WhenAll(slots);
        await registryHeartbeat;
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await TryAsync(() => _registry.MarkStoppedAsync(Capabilities.WorkerId, timeout.Token), "record the worker's stop");
        _logger.LogInformation("Worker {WorkerId} stopped", Capabilities.WorkerId);
    }

    private async Task RunSlotAsync(int slot, CancellationToken stoppingToken)
    {
        using var wakeup = new JobWakeup(_listener, Capabilities.Backends, _timeProvider);
        while (!stoppingToken.IsCancellationRequested)
        {
            JobLease? lease;
            try
            {
                // Not cancellable: a claim cut off after its commit would strand the job until its lease expired.
                lease = await _queue.ClaimAsync(Capabilities, CancellationToken.None);
            }
            catch (Exception exception)
            {
                _logger.LogError(exception, "Slot {Slot}: claiming failed; trying again after the poll interval", slot);
                lease = null;
            }
            if (lease is null)
            {
                try
                {
                    await wakeup.WaitAsync(_queue.Options.PollInterval, stoppingToken);
                }
                catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
                {
                    return;
                }
                continue;
            }
            JobOutcome outcome;
            try
            {
                outcome = await _handler.RunAsync(lease, slot, Signals, stoppingToken);
            }
            catch (Exception exception)
            {
                // The handler turns every ending into an outcome; this is a bug or a full disk. The lease expires and the
                // rescuer requeues the job.
                _logger.LogError(exception, "Slot {Slot}: job {JobId} could not be run", slot, lease.JobId);
                outcome = new JobOutcome(lease.JobId, lease.Attempt, JobOutcomeKind.Abandoned, exception.Message);
            }
            Signals.Publish(outcome);
        }
    }

    private async Task BeatRegistryAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.HeartbeatInterval ?? _queue.Options.LeaseDuration / 3, _timeProvider);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await TryAsync(() => _registry.HeartbeatAsync(Capabilities.WorkerId, stoppingToken), "heartbeat the worker registry");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task TryAsync(Func<Task> action, string what)
    {
        try
        {
            await action();
        }
        catch (Exception exception) when (exception is not OperationCanceledException)
        {
            // The workers table is informational; the queue's correctness never depends on it.
            _logger.LogWarning(exception, "Could not {What}", what);
        }
    }

    private static (WorkerCapabilities Capabilities, int Slots) DescribeCapabilities(BackendCatalog catalog, WorkerOptions options)
    {
        List<ITrainingBackend> offered = options.Backends.Count == 0
            ? catalog.All.Where(backend => backend.IsAvailable).ToList()
            : options.Backends.Select(catalog.Get).ToList();
        ITrainingBackend? unavailable = offered.FirstOrDefault(backend => !backend.IsAvailable);
        if (unavailable is not null)
        {
            throw new InvalidOperationException($"backend {unavailable.Name} is not available on this machine ({unavailable.Description})");
        }
        if (offered.Count == 0)
        {
            throw new InvalidOperationException("this worker offers no backend");
        }
        bool cuda = torch.cuda.is_available();
        bool offersCuda = offered.Any(backend => backend.Name == LibtorchBackend.Cuda.Name);
        var gpus = new JsonArray();
        var gpuTotalBytes = new List<long>();
        for (int device = 0; cuda && device < torch.cuda.device_count(); device++)
        {
            (string name, long totalBytes) = torch.cuda.get_device_info(device);
            gpus.Add(new JsonObject { ["name"] = name, ["memory_bytes"] = totalBytes });
            gpuTotalBytes.Add(totalBytes);
        }
        int slots = GpuPlacement.SlotCount(options.Slots, offersCuda, gpuTotalBytes.Count);
        long memoryBytes = GpuPlacement.MemoryPerJob(options.MemoryBytes, offersCuda, gpuTotalBytes, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        var details = new JsonObject { ["slots"] = slots, ["libtorch"] = torch.version, ["gpus"] = gpus };
        WorkerCapabilities capabilities = WorkerCapabilities.ForThisProcess(offered.Select(backend => backend.Name).ToArray(), memoryBytes)
            with { Details = details.ToJsonString() };
        return (capabilities, slots);
    }
}
