using System.Text.Json.Nodes;
using FineTune.Contracts.Backends;
using FineTune.Contracts.Events;

namespace FineTune.Training.Backends;

/// <summary>
/// A way to run training (the "backend-first" contract): each backend declares its own typed options, publishes them
/// as JSON Schema (its <see cref="IBackendDescriptor"/>, which the API serves without loading libtorch) and rejects an
/// option it does not support before training starts.
/// </summary>
public interface ITrainingBackend : IBackendDescriptor
{
    /// <summary>Whether this machine can run the backend (e.g. a CUDA device is present).</summary>
    public bool IsAvailable { get; }

    /// <summary>The library the backend trains with and its version (a worker's registration details show it).</summary>
    public BackendRuntime Runtime { get; }

    /// <summary>
    /// Objects the backend's runtime holds in native memory now (libtorch: live tensors). The worker logs it before
    /// and after each job, so a leak shows up per job; it is read without touching any of them.
    /// </summary>
    public long LiveNativeObjects { get; }

    /// <summary>
    /// The accelerators on this machine the backend trains on, in the order <see cref="AssignDevice"/> maps slots to
    /// them (slot i on device i mod their count); empty when it trains on the host's CPU and memory. The worker runs a
    /// slot per device and offers the smallest device's memory per job, so it holds no backend-specific branch.
    /// </summary>
    public IReadOnlyList<TrainingDevice> ListDevices();

    /// <summary>
    /// The memory figures of each device <see cref="ListDevices"/> returns, in the same order; empty without devices.
    /// Read from the runtime's allocator statistics, never from a tensor, so any thread may call it during training.
    /// </summary>
    public IReadOnlyList<DeviceMemory> ReadDeviceMemory();

    /// <summary>
    /// The options with the device of a worker's slot filled in, unless the job chose one itself; a backend without
    /// devices returns them unchanged. The worker calls this, so it holds no backend-specific branch.
    /// </summary>
    /// <param name="options">The job's backend options (not modified).</param>
    /// <param name="slot">The worker slot (0-based) that runs the job.</param>
    public JsonObject? AssignDevice(JsonObject? options, int slot);

    /// <summary>Checks a request without training: options, hyperparameters, files. Throws naming the problem.</summary>
    public void Validate(TrainingRequest request);

    /// <summary>
    /// Runs the request to completion (or cancellation) and returns the result also written as result.json. However
    /// it ends, the backend releases what it cached on its device (e.g. the CUDA allocator's blocks). Running out of
    /// device memory throws <see cref="DeviceOutOfMemoryException"/>, whatever the runtime's own error is.
    /// </summary>
    public TrainingResult Train(TrainingRequest request, ITrainingCallbacks callbacks, CancellationToken cancellationToken);
}
