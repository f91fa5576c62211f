using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Events;
using FineTune.Training.Backends;

namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>
/// The real <c>libtorch-cpu</c> backend, except that the training thread stops inside the report of step
/// <see cref="PauseAtStep"/> until the test calls <see cref="Open"/> or the worker cancels the run's token. By then the
/// step's event is on its way and the checkpoints of earlier steps are announced, so a test can stop, cancel or rescue
/// a job at a known step, and a cancelled run goes on exactly as a real one would: it stops before the next step.
/// </summary>
internal sealed class GatedBackend : ITrainingBackend, IDisposable
{
    private readonly LibtorchBackend _inner = LibtorchBackend.Cpu;
    private readonly ManualResetEventSlim _open = new(false);
    private readonly TaskCompletionSource<long> _paused = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public GatedBackend(long pauseAtStep)
    {
        PauseAtStep = pauseAtStep;
    }

    public long PauseAtStep { get; }

    /// <summary>Completes when the training thread reached the pause.</summary>
    public Task<long> Paused => _paused.Task;

    public string Name => _inner.Name;

    public string Description => _inner.Description;

    public JsonObject OptionsSchema => _inner.OptionsSchema;

    public bool IsAvailable => _inner.IsAvailable;

    public BackendRuntime Runtime => _inner.Runtime;

    public long LiveNativeObjects => _inner.LiveNativeObjects;

    public void Open()
    {
        _open.Set();
    }

    public IReadOnlyList<TrainingDevice> ListDevices() => _inner.ListDevices();

    public IReadOnlyList<DeviceMemory> ReadDeviceMemory() => _inner.ReadDeviceMemory();

    public JsonObject? AssignDevice(JsonObject? options, int slot) => _inner.AssignDevice(options, slot);

    public void ValidateOptions(JsonObject? options)
    {
        _inner.ValidateOptions(options);
    }

    public void Validate(TrainingRequest request)
    {
        _inner.Validate(request);
    }

    public TrainingResult Train(TrainingRequest request, ITrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        return _inner.Train(request, new GateCallbacks(callbacks, this, cancellationToken), cancellationToken);
    }

    public void Dispose()
    {
        _open.Set();
        _open.Dispose();
    }

    private void Reached(long step, CancellationToken cancellationToken)
    {
        if (step == PauseAtStep && _paused.TrySetResult(step))
        {
            // Bounded, so a failing test cannot hang the training thread forever.
            WaitHandle.WaitAny([_open.WaitHandle, cancellationToken.WaitHandle], TimeSpan.FromMinutes(3));
        }
    }

    private sealed class GateCallbacks(ITrainingCallbacks inner, GatedBackend gate, CancellationToken cancellationToken) : ITrainingCallbacks
    {
        public void OnStep(StepReport report)
        {
            inner.OnStep(report);
            gate.Reached(report.Step, cancellationToken);
        }

        public void OnEval(EvalReport report)
        {
            inner.OnEval(report);
        }

        public void OnCheckpoint(long step, string folder)
        {
            inner.OnCheckpoint(step, folder);
        }

        public void OnSave(string path)
        {
            inner.OnSave(path);
        }

        public void OnComplete(TrainingResult result)
        {
            inner.OnComplete(result);
        }

        public void OnError(Exception error)
        {
            inner.OnError(error);
        }
    }
}
