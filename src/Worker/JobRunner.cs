using System.Text.Json.Nodes;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Workers;
using FineTune.Training.Backends;
using FineTune.Worker.Execution;
using FineTune.Worker.Telemetry;
using Hangfire;
using Hangfire.Common;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FineTune.Worker;

/// <summary>
/// The worker: a <see cref="BackgroundService"/> that runs one Hangfire server per slot (<see cref="WorkerOptions.Slots"/>:
/// one per GPU, or the configured count), named after the host and its device (<c>host:cuda:0</c>). Each server
/// fetches from the queues of this worker's backends and memory classes (<see cref="HangfireQueues.Served"/>), so it
/// only ever gets jobs it can fit, and runs them through <see cref="JobExecution"/>: claim the attempt (fenced), run it
/// (<see cref="TrainLoraHandler"/>: training on a dedicated thread, events, heartbeats, checkpoints), record how it
/// ended. Stopping the host stops every running job at its next step, stores its checkpoint and releases its lease,
/// uncharged; Hangfire puts the delivery back on its queue. <see cref="Signals"/> lets tests wait.
/// </summary>
public sealed class JobRunner : BackgroundService
{
    private readonly JobQueue _queue;
    private readonly TrainLoraHandler _handler;
    private readonly WorkerRegistry _registry;
    private readonly JobStorage _storage;
    private readonly IJobFilterProvider _filters;
    private readonly JobDispatcher _dispatcher;
    private readonly WorkerOptions _options;
    private readonly HangfireOptions _hangfireOptions;
    private readonly TimeProvider _timeProvider;
    private readonly ILoggerFactory _loggerFactory;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<TrainingDevice> _devices;

    /// <summary>The worker's instruments (docs/operations.md); null where the host registered none.</summary>
    internal WorkerMetrics? Metrics { get; }

    /// <summary>Creates the runner; its capabilities (backends, memory) are fixed here.</summary>
    public JobRunner(
        JobQueue queue,
        TrainLoraHandler handler,
        WorkerRegistry registry,
        JobStorage storage,
        IJobFilterProvider filters,
        JobDispatcher dispatcher,
        BackendCatalog backends,
        IOptions<WorkerOptions> options,
        IOptions<HangfireOptions> hangfireOptions,
        TimeProvider? timeProvider = null,
        ILoggerFactory? loggerFactory = null,
        WorkerMetrics? metrics = null)
    {
        Metrics = metrics;
        ArgumentNullException.ThrowIfNull(backends);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(hangfireOptions);
        _queue = queue;
        _handler = handler;
        _registry = registry;
        _storage = storage;
        _filters = filters;
        _dispatcher = dispatcher;
        _options = options.Value;
        _hangfireOptions = hangfireOptions.Value;
        _timeProvider = timeProvider ?? TimeProvider.System;
        _loggerFactory = loggerFactory ?? NullLoggerFactory.Instance;
        _logger = _loggerFactory.CreateLogger<JobRunner>();
        (Capabilities, SlotCount, _devices) = DescribeCapabilities(backends, _options);
        ArgumentOutOfRangeException.ThrowIfLessThan(SlotCount, 1, nameof(options));
        Queues = HangfireQueues.Served(Capabilities.Backends, Capabilities.MemoryBytes);
    }

    /// <summary>What this worker offers; its <see cref="WorkerCapabilities.WorkerId"/> owns its leases.</summary>
    public WorkerCapabilities Capabilities { get; }

    /// <summary>Jobs run at once: one Hangfire server per slot (<see cref="GpuPlacement.SlotCount"/>).</summary>
    public int SlotCount { get; }

    /// <summary>The Hangfire queues this worker's servers fetch from.</summary>
    public IReadOnlyList<string> Queues { get; }

    /// <summary>Awaitable signals: appended events and attempt outcomes.</summary>
    public JobSignals Signals { get; } = new();

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        _logger.LogInformation(
            "Worker {WorkerId} starting: {Slots} Hangfire server(s), queues {Queues}, {MemoryGiB:F1} GiB per job",
            Capabilities.WorkerId, SlotCount, string.Join(", ", Queues), Capabilities.MemoryBytes / (double)(1L << 30));
        await TryAsync(() => _registry.RegisterAsync(Capabilities, stoppingToken), "register the worker");
        var servers = new List<BackgroundJobServer>();
        for (int slot = 0; slot < SlotCount; slot++)
        {
            servers.Add(StartServer(slot));
        }
        await BeatRegistryAsync(stoppingToken);
        // Stopping: each server's job sees its cancellation token, stops at the next step, checkpoints and releases;
        // the servers wait for that up to the shutdown timeout, then Hangfire requeues what it fetched.
        foreach (BackgroundJobServer server in servers)
        {
            server.SendStop();
        }
        await Task.WhenAll(servers.Select(server => server.WaitForShutdownAsync(CancellationToken.None)));
        foreach (BackgroundJobServer server in servers)
        {
            server.Dispose();
        }
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        await TryAsync(() => _registry.MarkStoppedAsync(Capabilities.WorkerId, timeout.Token), "record the worker's stop");
        _logger.LogInformation("Worker {WorkerId} stopped", Capabilities.WorkerId);
    }

    private BackgroundJobServer StartServer(int slot)
    {
        string device = GpuPlacement.SlotDeviceId(_devices, slot);
        var execution = new JobExecution(this, _queue, _handler, _dispatcher, slot, _loggerFactory.CreateLogger<JobExecution>());
        var options = new BackgroundJobServerOptions
        {
            // Shown on the dashboard's Servers page; Hangfire appends a unique suffix.
            ServerName = $"{Capabilities.Host}:{device}",
            Queues = Queues.ToArray(),
            WorkerCount = 1,
            SchedulePollingInterval = _hangfireOptions.SchedulePollingInterval,
            // A stop cancels the running job's token at once (it stops at its next step and checkpoints); the server
            // then gives it the worker's shutdown timeout to store the checkpoint and release the lease.
            StopTimeout = TimeSpan.Zero,
            ShutdownTimeout = _options.ShutdownTimeout + TimeSpan.FromSeconds(10),
            FilterProvider = _filters,
            Activator = new SingleJobActivator(execution),
        };
        return new BackgroundJobServer(options, _storage);
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

    private static (WorkerCapabilities Capabilities, int Slots, IReadOnlyList<TrainingDevice> Devices) DescribeCapabilities(BackendCatalog catalog, WorkerOptions options)
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
        // The backends say which devices they train on; two backends on the same GPU report it once.
        List<TrainingDevice> devices = offered.SelectMany(backend => backend.ListDevices()).DistinctBy(device => device.Id).ToList();
        int slots = GpuPlacement.SlotCount(options.Slots, devices.Count);
        long memoryBytes = GpuPlacement.MemoryPerJob(options.MemoryBytes, devices.Select(device => device.MemoryBytes).ToList(), GC.GetGCMemoryInfo().TotalAvailableMemoryBytes);
        var gpus = new JsonArray(devices.Select(device => (JsonNode)new JsonObject { ["name"] = device.Model, ["memory_bytes"] = device.MemoryBytes }).ToArray());
        var details = new JsonObject { ["slots"] = slots };
        // Each library the offered backends train with, under its own name (e.g. "libtorch": "2.5.1").
        foreach (BackendRuntime runtime in offered.Select(backend => backend.Runtime).DistinctBy(runtime => runtime.Name))
        {
            details[runtime.Name] = runtime.Version;
        }
        details["gpus"] = gpus;
        WorkerCapabilities capabilities = WorkerCapabilities.ForThisProcess(offered.Select(backend => backend.Name).ToArray(), memoryBytes)
            with { Details = details.ToJsonString() };
        return (capabilities, slots, devices);
    }
}
