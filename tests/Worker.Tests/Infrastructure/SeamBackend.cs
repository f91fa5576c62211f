using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Events;
using FineTune.Training.Backends;

namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>
/// The real <c>libtorch-cpu</c> backend with what the worker must learn from a backend alone changed: the devices it
/// reports (<see cref="Devices"/>) with their memory figures (<see cref="ReadDeviceMemory"/>), the library it says it
/// trains with (<see cref="Runtime"/>), and the folder each checkpoint is announced in (moved to one whose name says
/// nothing of its step), so a test proves the worker asks the backend instead of guessing from names.
/// </summary>
internal sealed class SeamBackend(IReadOnlyList<TrainingDevice> devices) : ITrainingBackend
{
    private readonly LibtorchBackend _inner = LibtorchBackend.Cpu;

    public IReadOnlyList<TrainingDevice> Devices { get; } = devices;

    /// <summary>The folders checkpoints were announced in, in order.</summary>
    public List<string> AnnouncedFolders { get; } = new();

    public string Name => _inner.Name;

    public string Description => _inner.Description;

    public JsonObject OptionsSchema => _inner.OptionsSchema;

    public bool IsAvailable => _inner.IsAvailable;

    public BackendRuntime Runtime { get; } = new("seam-runtime", "9.9.9");

    public long LiveNativeObjects => _inner.LiveNativeObjects;

    public IReadOnlyList<TrainingDevice> ListDevices() => Devices;

    /// <summary>Device i has (i + 1) MiB allocated, twice that at its peak, and its reported memory in all.</summary>
    public IReadOnlyList<DeviceMemory> ReadDeviceMemory()
    {
        return Devices.Select((device, index) => new DeviceMemory((index + 1L) << 20, (index + 1L) << 21, device.MemoryBytes)).ToList();
    }

    // The reported devices are not real: the CPU backend keeps the job's options as they are.
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
        return _inner.Train(request, new RelocatingCallbacks(callbacks, this), cancellationToken);
    }

    private sealed class RelocatingCallbacks(ITrainingCallbacks inner, SeamBackend backend) : ITrainingCallbacks
    {
        public void OnStep(StepReport report)
        {
            inner.OnStep(report);
        }

        public void OnEval(EvalReport report)
        {
            inner.OnEval(report);
        }

        public void OnCheckpoint(long step, string folder)
        {
            string moved = Path.Combine(Path.GetDirectoryName(folder)!, "saved-" + Guid.NewGuid().ToString("N"));
            Directory.Move(folder, moved);
            backend.AnnouncedFolders.Add(moved);
            inner.OnCheckpoint(step, moved);
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
