using System.Text.Json.Nodes;
using FineTune.Training.Train;

namespace FineTune.Training.Backends;

/// <summary>
/// A way to run training (the "backend-first" contract): each backend declares its own typed options, publishes them
/// as JSON Schema (for <c>GET /v1/backends</c>) and rejects an option it does not support before training starts.
/// </summary>
public interface ITrainingBackend
{
    /// <summary>Stable name, e.g. <c>libtorch-cpu</c>.</summary>
    public string Name { get; }

    /// <summary>One line for humans.</summary>
    public string Description { get; }

    /// <summary>JSON Schema (draft 2020-12) of the backend's options object.</summary>
    public JsonObject OptionsSchema { get; }

    /// <summary>Whether this machine can run the backend (e.g. a CUDA device is present).</summary>
    public bool IsAvailable { get; }

    /// <summary>
    /// The options with the device of a worker's slot filled in, unless the job chose one itself; a backend without
    /// devices returns them unchanged. The worker calls this, so it holds no backend-specific branch.
    /// </summary>
    /// <param name="options">The job's backend options (not modified).</param>
    /// <param name="slot">The worker slot (0-based) that runs the job.</param>
    public JsonObject? AssignDevice(JsonObject? options, int slot);

    /// <summary>Checks backend options alone (unknown keys, types, values); throws <see cref="BackendOptionsException"/> naming the option.</summary>
    public void ValidateOptions(JsonObject? options);

    /// <summary>Checks a request without training: options, hyperparameters, files. Throws naming the problem.</summary>
    public void Validate(TrainingRequest request);

    /// <summary>
    /// Runs the request to completion (or cancellation) and returns the result also written as result.json. However
    /// it ends, the backend releases what it cached on its device (e.g. the CUDA allocator's blocks).
    /// </summary>
    public TrainingResult Train(TrainingRequest request, ITrainingCallbacks callbacks, CancellationToken cancellationToken);
}
