using System.Text.Json.Nodes;
using System.Threading.Channels;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Events;
using FineTune.Contracts.Jobs;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Notifications;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Resilience;
using FineTune.Training.Backends;
using FineTune.Worker.Telemetry;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Execution;

/// <summary>
/// Runs one claimed attempt of a <c>train.lora</c> job, start to final write: prepare (spec, model, datasets,
/// checkpoint), train on a dedicated thread while the async side appends events, stores checkpoints and heartbeats,
/// then end the attempt exactly one way: complete, fail (permanent or transient), acknowledge a cancel or a pause,
/// release on shutdown, or, when the lease was lost, write nothing. <c>TrainLoraHandler.Prepare.cs</c> holds the preparation.
/// </summary>
public sealed partial class TrainLoraHandler
{
    /// <summary>The job kind this handler runs (stable; never renamed).</summary>
    public const string Kind = JobKinds.TrainLora;

    private static readonly (string Name, string ContentType)[] s_outputs =
    [
        ("adapter_model.safetensors", "application/octet-stream"),
        ("adapter_config.json", "application/json"),
        ("training_log.jsonl", "application/x-ndjson"),
        ("result.json", "application/json"),
        ("privacy.json", "application/json"),
    ];

    private readonly JobQueue _queue;

    /// <summary>Uploads ride out a database restart as the worker's other writes do (<see cref="DatabaseRetry.ForWorker"/>).</summary>
    internal static readonly DatabaseRetry UploadRetry = DatabaseRetry.ForWorker();
    private readonly ArtifactStore _artifacts;
    private readonly DatasetStore _datasets;
    private readonly NotificationListener _listener;
    private readonly BackendCatalog _backends;
    private readonly ModelLocator _models;
    private readonly WorkerOptions _options;
    private readonly ILogger _logger;
    private readonly WorkerMetrics? _metrics;

    /// <summary>Creates the handler (one per worker; it keeps no per-job state).</summary>
    public TrainLoraHandler(
        JobQueue queue,
        ArtifactStore artifacts,
        DatasetStore datasets,
        NotificationListener listener,
        BackendCatalog backends,
        ModelLocator models,
        IOptions<WorkerOptions> options,
        ILogger<TrainLoraHandler>? logger = null,
        WorkerMetrics? metrics = null)
    {
        _metrics = metrics;
        ArgumentNullException.ThrowIfNull(options);
        _queue = queue;
        _artifacts = artifacts;
        _datasets = datasets;
        _listener = listener;
        _backends = backends;
        _models = models;
        _options = options.Value;
        _logger = logger ?? NullLogger<TrainLoraHandler>.Instance;
    }

    /// <summary>
    /// Runs the attempt of <paramref name="lease"/> in slot <paramref name="slot"/> and returns how it ended. Never
    /// throws: every ending is an outcome. <paramref name="stoppingToken"/> is the host's: when it fires the trainer
    /// stops at the next step, the last checkpoint is stored and the lease released.
    /// </summary>
    public async Task<JobOutcome> RunAsync(JobLease lease, int slot, JobSignals signals, CancellationToken stoppingToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentNullException.ThrowIfNull(signals);
        using var workspace = JobWorkspace.Create(WorkDir(_options), lease, _logger);
        using var session = new LeaseSession(lease, _queue, signals, _logger);
        using var writes = new CancellationTokenSource();
        using CancellationTokenRegistration bounded = stoppingToken.Register(() => writes.CancelAfter(_options.ShutdownTimeout));
        using var keeper = new LeaseKeeper(session, _queue, HeartbeatInterval(), _logger);
        using IDisposable cancelWatch = _listener.Subscribe(NotificationChannels.JobCancel, payload =>
        {
            if (payload.Length == 0 || (Guid.TryParse(payload, out Guid jobId) && jobId == lease.JobId))
            {
                keeper.Nudge();
            }
        });
        keeper.Start();
        try
        {
            return await RunAttemptAsync(session, keeper, workspace, slot, stoppingToken, writes.Token);
        }
        finally
        {
            await keeper.StopAsync();
        }
    }

    internal static string WorkDir(WorkerOptions options)
    {
        return string.IsNullOrWhiteSpace(options.WorkDir) ? Path.Combine(Path.GetTempPath(), "finetune-worker") : options.WorkDir;
    }

    private TimeSpan HeartbeatInterval()
    {
        return _options.HeartbeatInterval ?? _queue.Options.LeaseDuration / 3;
    }

    private async Task<JobOutcome> RunAttemptAsync(
        LeaseSession session, LeaseKeeper keeper, JobWorkspace workspace, int slot, CancellationToken stoppingToken, CancellationToken writesToken)
    {
        JobLease lease = session.Lease;
        using var stopTraining = CancellationTokenSource.CreateLinkedTokenSource(stoppingToken, session.StopToken);
        EventPump? pump = null;
        TrainingResult? result = null;
        Exception? error = null;
        try
        {
            _logger.LogInformation("Job {JobId}: attempt {Attempt} started in slot {Slot}", lease.JobId, lease.Attempt, slot);
            await session.AppendAsync(WorkerEventTypes.Status, WorkerEvents.Running(lease.Attempt, lease.WorkerId, lease.ResumeFrom?.Step), writesToken);
            (ITrainingBackend backend, TrainingRequest request, string? resumedArtifact) = await PrepareAsync(session, workspace, slot, stopTraining.Token, writesToken);
            using AttemptMetrics? attemptMetrics = _metrics?.Track(backend.Name, slot);
            pump = new EventPump(session, _queue, _artifacts, workspace, resumedArtifact, _logger) { OnStep = attemptMetrics is null ? null : attemptMetrics.Step };
            result = await TrainAsync(backend, request, lease, pump, stopTraining.Token, writesToken);
        }
        catch (Exception exception)
        {
            error = exception;
        }
        return await FinishAsync(session, keeper, workspace, pump, result, error, stoppingToken, writesToken);
    }

    private async Task<TrainingResult> TrainAsync(
        ITrainingBackend backend, TrainingRequest request, JobLease lease, EventPump pump, CancellationToken stopToken, CancellationToken writesToken)
    {
        Channel<TrainingMessage> messages = Channel.CreateUnbounded<TrainingMessage>(new UnboundedChannelOptions { SingleReader = true, SingleWriter = true });
        var callbacks = new ChannelCallbacks(messages.Writer);
        Task<TrainingResult> training = TrainingThread.Start(
            $"train-{lease.JobId.ToString("N")[..8]}",
            backend,
            () => backend.Train(request, callbacks, stopToken),
            messages.Writer,
            _logger,
            lease.JobId);
        await pump.RunAsync(messages.Reader, writesToken);
        return await training;
    }

    private async Task<JobOutcome> FinishAsync(
        LeaseSession session,
        LeaseKeeper keeper,
        JobWorkspace workspace,
        EventPump? pump,
        TrainingResult? result,
        Exception? error,
        CancellationToken stoppingToken,
        CancellationToken writesToken)
    {
        JobLease lease = session.Lease;
        if (session.Lost || error is LeaseLostException)
        {
            return new JobOutcome(lease.JobId, lease.Attempt, JobOutcomeKind.LeaseLost);
        }
        bool stopped = result?.StopReason == StopReason.Cancelled
            || (error is OperationCanceledException && (stoppingToken.IsCancellationRequested || session.CancelRequested || session.PauseRequested));
        if (session.Fault is Exception fault)
        {
            // A failed write stopped the trainer: the attempt failed, whatever the trainer reports.
            (error, stopped) = (fault, false);
        }
        try
        {
            if (stopped && session.CancelRequested)
            {
                await UploadOutputsAsync(session, workspace, writesToken);
                await keeper.StopAsync();
                // The cancelled event and the cancelled row commit together: a client reacting to it reads the new row.
                await session.FinishAsync(WorkerEventTypes.Status, WorkerEvents.Status("cancelled", pump?.LastStep), finalEvent => _queue.MarkCancelledAsync(lease, finalEvent, writesToken));
                _logger.LogInformation("Job {JobId}: cancelled after step {Step}", lease.JobId, pump?.LastStep);
                return new JobOutcome(lease.JobId, lease.Attempt, JobOutcomeKind.Cancelled);
            }
            if (stopped && session.PauseRequested)
            {
                return await PauseAsync(session, keeper, pump, writesToken);
            }
            if (stopped)
            {
                await keeper.StopAsync();
                JobState state = await session.FinishAsync(WorkerEventTypes.Status, WorkerEvents.Status("released", pump?.LastStep, pump?.LastCheckpointStep), finalEvent => _queue.ReleaseAsync(lease, finalEvent, writesToken));
                _logger.LogInformation("Job {JobId}: released on shutdown after step {Step}; it resumes from step {Checkpoint}", lease.JobId, pump?.LastStep, pump?.LastCheckpointStep ?? lease.ResumeFrom?.Step ?? 0);
                JobOutcomeKind released = state switch
                {
                    JobState.Cancelled => JobOutcomeKind.Cancelled,
                    JobState.Paused => JobOutcomeKind.Paused,
                    _ => JobOutcomeKind.Released,
                };
                return new JobOutcome(lease.JobId, lease.Attempt, released);
            }
            if (error is null && result is not null)
            {
                try
                {
                    return await CompleteAsync(session, keeper, workspace, writesToken);
                }
                catch (Exception exception) when (exception is not LeaseLostException && !writesToken.IsCancellationRequested)
                {
                    error = exception;
                }
            }
            return await FailAsync(session, keeper, error ?? new InvalidOperationException("training ended without a result"), writesToken);
        }
        catch (LeaseLostException)
        {
            session.MarkLost();
            return new JobOutcome(lease.JobId, lease.Attempt, JobOutcomeKind.LeaseLost);
        }
        catch (Exception exception)
        {
            // The database is out of reach: Hangfire delivers the job again, and that delivery takes it over once the lease
            // has expired.
            _logger.LogError(exception, "Job {JobId}: could not record the end of attempt {Attempt}", lease.JobId, lease.Attempt);
            return new JobOutcome(lease.JobId, lease.Attempt, JobOutcomeKind.Abandoned, exception.Message);
        }
    }

    // The trainer stored a checkpoint of its last step as it stopped (the pump has uploaded it), so the resumed attempt
    // redoes nothing; the outputs are not uploaded: the job is not over.
    private async Task<JobOutcome> PauseAsync(LeaseSession session, LeaseKeeper keeper, EventPump? pump, CancellationToken writesToken)
    {
        JobLease lease = session.Lease;
        long? checkpointStep = pump?.LastCheckpointStep ?? lease.ResumeFrom?.Step;
        await keeper.StopAsync();
        JobState state = await session.FinishAsync(WorkerEventTypes.Status, WorkerEvents.Status("paused", pump?.LastStep, checkpointStep), finalEvent => _queue.MarkPausedAsync(lease, finalEvent, writesToken));
        _logger.LogInformation("Job {JobId}: paused after step {Step}; it resumes from step {Checkpoint}", lease.JobId, pump?.LastStep, checkpointStep ?? 0);
        return new JobOutcome(lease.JobId, lease.Attempt, state == JobState.Cancelled ? JobOutcomeKind.Cancelled : JobOutcomeKind.Paused);
    }

    private async Task<JobOutcome> CompleteAsync(LeaseSession session, LeaseKeeper keeper, JobWorkspace workspace, CancellationToken writesToken)
    {
        JobLease lease = session.Lease;
        IReadOnlyList<Artifact> outputs = await UploadOutputsAsync(session, workspace, writesToken);
        string resultJson = await File.ReadAllTextAsync(Path.Combine(workspace.Output, "result.json"), writesToken);
        await keeper.StopAsync();
        await session.FinishAsync(WorkerEventTypes.Completed, WorkerEvents.Completed(JsonNode.Parse(resultJson), outputs), finalEvent => _queue.CompleteAsync(lease, resultJson, session.Progress, finalEvent, writesToken));
        _logger.LogInformation("Job {JobId}: succeeded on attempt {Attempt}", lease.JobId, lease.Attempt);
        return new JobOutcome(lease.JobId, lease.Attempt, JobOutcomeKind.Succeeded);
    }

    private async Task<JobOutcome> FailAsync(LeaseSession session, LeaseKeeper keeper, Exception error, CancellationToken writesToken)
    {
        JobLease lease = session.Lease;
        JobFailure failure = JobErrorClassifier.Classify(error);
        bool retrying = !failure.Permanent && lease.Attempt < lease.Job.MaxAttempts && !session.CancelRequested;
        if (failure.Permanent)
        {
            _logger.LogWarning("Job {JobId}: failed permanently: {Error}", lease.JobId, failure.Message);
        }
        else
        {
            _logger.LogError(error, "Job {JobId}: attempt {Attempt} failed{Retry}", lease.JobId, lease.Attempt, retrying ? "; it will be retried" : "");
        }
        await keeper.StopAsync();
        JobState state = await session.FinishAsync(WorkerEventTypes.Failed, WorkerEvents.Failed(failure, lease.Attempt, retrying), finalEvent => _queue.FailAsync(lease, failure.Message, failure.Permanent, finalEvent, writesToken));
        JobOutcomeKind kind = state switch
        {
            JobState.Retryable => JobOutcomeKind.Retrying,
            JobState.Cancelled => JobOutcomeKind.Cancelled,
            _ => JobOutcomeKind.Failed,
        };
        return new JobOutcome(lease.JobId, lease.Attempt, kind, failure.Message);
    }

    private async Task<IReadOnlyList<Artifact>> UploadOutputsAsync(LeaseSession session, JobWorkspace workspace, CancellationToken writesToken)
    {
        var stored = new List<Artifact>();
        foreach ((string name, string contentType) in s_outputs)
        {
            string path = Path.Combine(workspace.Output, name);
            if (!File.Exists(path))
            {
                continue;
            }
            stored.Add(await _artifacts.WriteFileAsync(session.Lease, name, ArtifactKind.Output, contentType, path, UploadRetry, writesToken));
        }
        return stored;
    }
}
