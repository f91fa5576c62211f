using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Events;
using FineTune.Training.Backends;

namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>A <c>libtorch-cpu</c> stand-in whose training throws the given exception, to test classification end to end.</summary>
internal sealed class ThrowingBackend(Func<Exception> error) : ITrainingBackend
{
    public string Name => LibtorchBackend.Cpu.Name;

    public string Description => "throws";

    public JsonObject OptionsSchema => LibtorchBackend.Cpu.OptionsSchema;

    public bool IsAvailable => true;

    public BackendRuntime Runtime => LibtorchBackend.Cpu.Runtime;

    public long LiveNativeObjects => 0;

    public IReadOnlyList<TrainingDevice> ListDevices() => [];

    public IReadOnlyList<DeviceMemory> ReadDeviceMemory() => [];

    public JsonObject? AssignDevice(JsonObject? options, int slot) => LibtorchBackend.Cpu.AssignDevice(options, slot);

    public void ValidateOptions(JsonObject? options)
    {
        LibtorchBackend.Cpu.ValidateOptions(options);
    }

    public void Validate(TrainingRequest request)
    {
    }

    public TrainingResult Train(TrainingRequest request, ITrainingCallbacks callbacks, CancellationToken cancellationToken)
    {
        throw error();
    }
}
