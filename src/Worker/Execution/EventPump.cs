using System.Text.Json.Nodes;
using System.Threading.Channels;
using FineTune.Contracts.Events;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Worker.Checkpoints;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Execution;

/// <summary>
/// The async side of a training run: reads the training thread's messages in order and turns them into events,
/// heartbeat progress and stored checkpoints. It never throws: a lost lease or a failed write is recorded on the
/// <see cref="LeaseSession"/> (which stops the trainer), and the channel is still drained so the thread can finish.
/// </summary>
/// <remarks>
/// A checkpoint is stored once the next step's message arrives (or the run ends), not when it is announced: by then
/// the trainer has flushed the training log up to the checkpoint's step, which goes into the archive with it.
/// </remarks>
internal sealed class EventPump
{
    private readonly LeaseSession _session;
    private readonly JobQueue _queue;
    private readonly ArtifactStore _artifacts;
    private readonly JobWorkspace _workspace;
    private readonly ILogger _logger;
    private (long Step, string Folder)? _pending;
    private string? _latestArtifactName;

    /// <param name="session">The attempt's lease.</param>
    /// <param name="queue">Records checkpoints.</param>
    /// <param name="artifacts">Stores checkpoint archives.</param>
    /// <param name="workspace">The attempt's folders.</param>
    /// <param name="latestArtifactName">The archive name of the checkpoint this attempt resumed from, if any: the
    /// first new checkpoint must not replace it.</param>
    /// <param name="logger">The worker's log.</param>
    public EventPump(LeaseSession session, JobQueue queue, ArtifactStore artifacts, JobWorkspace workspace, string? latestArtifactName, ILogger logger)
    {
        _latestArtifactName = latestArtifactName;
        _session = session;
        _queue = queue;
        _artifacts = artifacts;
        _workspace = workspace;
        _logger = logger;
    }

    /// <summary>Called with each step, before its event is appended (the worker's metrics).</summary>
    public Action<StepReport>? OnStep { get; init; }

    /// <summary>The latest step reported, or null before the first.</summary>
    public long? LastStep { get; private set; }

    /// <summary>The step of the latest checkpoint stored by this attempt, or null.</summary>
    public long? LastCheckpointStep { get; private set; }

    /// <summary>Drains <paramref name="messages"/> until the training thread completes it.</summary>
    /// <param name="messages">The training thread's channel.</param>
    /// <param name="writesToken">Bounds the writes once the host is stopping; never the trainer's stop token, so a
    /// stopping worker still stores its last checkpoint.</param>
    public async Task RunAsync(ChannelReader<TrainingMessage> messages, CancellationToken writesToken)
    {
        await foreach (TrainingMessage message in messages.ReadAllAsync(CancellationToken.None))
        {
            await GuardAsync(() => HandleAsync(message, writesToken));
        }
        await GuardAsync(() => StorePendingCheckpointAsync(writesToken));
    }

    private async Task HandleAsync(TrainingMessage message, CancellationToken writesToken)
    {
        switch (message)
        {
            case StepMessage { Report: var report }:
                if (_pending is { } pending && report.Step > pending.Step)
                {
                    await StorePendingCheckpointAsync(writesToken);
                }
                LastStep = report.Step;
                OnStep?.Invoke(report);
                _session.Progress = WorkerEvents.Progress(report).ToJsonString();
                await AppendAsync(WorkerEventTypes.Step, WorkerEvents.Step(report), writesToken);
                break;
            case EvalMessage { Report: var report }:
                await AppendAsync(WorkerEventTypes.Eval, WorkerEvents.Eval(report), writesToken);
                break;
            case WarningMessage { Message: var warning }:
                await AppendAsync(WorkerEventTypes.Log, WorkerEvents.Log("warning", warning), writesToken);
                break;
            case CheckpointMessage { Step: var step, Folder: var folder }:
                await StorePendingCheckpointAsync(writesToken);
                _pending = (step, folder);
                break;
        }
    }

    private async Task StorePendingCheckpointAsync(CancellationToken writesToken)
    {
        if (_pending is not { } pending)
        {
            return;
        }
        _pending = null;
        if (!CanWrite)
        {
            return;
        }
        string archive = Path.Combine(_workspace.Scratch, $"checkpoint-{pending.Step}.tar");
        string name = CheckpointArchive.NextArtifactName(_latestArtifactName);
        try
        {
            await using (FileStream output = File.Create(archive))
            {
                string log = Path.Combine(_workspace.Output, CheckpointArchive.TrainingLogEntry);
                await CheckpointArchive.PackAsync(pending.Folder, log, pending.Step, output, writesToken);
            }
            Artifact artifact = await _artifacts.WriteFileAsync(
                _session.Lease, name, ArtifactKind.Checkpoint, CheckpointArchive.ContentType, archive, TrainLoraHandler.UploadRetry, writesToken);
            var state = new JsonObject
            {
                ["format"] = "tar",
                ["artifact"] = artifact.Name,
                ["size_bytes"] = artifact.SizeBytes,
            };
            await _queue.SaveCheckpointAsync(_session.Lease, pending.Step, artifact.Id, state.ToJsonString(), writesToken);
            _latestArtifactName = name;
            LastCheckpointStep = pending.Step;
            _logger.LogInformation("Job {JobId}: stored the checkpoint of step {Step} ({Bytes} bytes)", _session.Lease.JobId, pending.Step, artifact.SizeBytes);
            await AppendAsync(WorkerEventTypes.Checkpoint, WorkerEvents.Checkpoint(pending.Step, artifact), writesToken);
        }
        finally
        {
            File.Delete(archive);
            // The trainer never touches a checkpoint folder again once it announced it.
            if (Directory.Exists(pending.Folder))
            {
                Directory.Delete(pending.Folder, recursive: true);
            }
        }
    }

    private bool CanWrite => !_session.Lost && _session.Fault is null;

    private async Task AppendAsync(string type, JsonObject payload, CancellationToken writesToken)
    {
        if (CanWrite)
        {
            await _session.AppendAsync(type, payload, writesToken);
        }
    }

    private async Task GuardAsync(Func<Task> write)
    {
        try
        {
            await write();
        }
        catch (LeaseLostException)
        {
            _session.MarkLost();
        }
        catch (Exception exception)
        {
            _session.MarkFaulted(exception);
        }
    }
}
