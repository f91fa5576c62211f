namespace FineTune.Worker;

/// <summary>
/// How a worker runs, bound from the configuration section <c>WorkerOptions</c> (environment variables
/// <c>WorkerOptions__Slots</c> and so on). The lease duration and poll interval are the queue's
/// (<c>JobQueueOptions</c>), so the worker and the delivery that takes an expired lease over never disagree about them.
/// </summary>
public sealed class WorkerOptions
{
    /// <summary>
    /// The folder of model folders: a job's <c>model</c> names a folder in it. When unset: <c>FINETUNE_MODELS_DIR</c>,
    /// else <c>models</c> under the working directory (as the API's model catalog).
    /// </summary>
    public string? ModelsDir { get; set; }

    /// <summary>Resolve a <c>model</c> that is no folder in <see cref="ModelsDir"/> as a Hugging Face hub id and
    /// download it (default false: a worker trains only on models an operator placed there).</summary>
    public bool AllowHubDownloads { get; set; }

    /// <summary>
    /// Jobs run at once; null (default): one per device the offered backends train on (the CUDA devices for
    /// <c>libtorch-cuda</c>), else 1. Slot i trains on device i unless the job sets <c>device_index</c> (see
    /// <see cref="GpuPlacement"/>).
    /// </summary>
    public int? Slots { get; set; }

    /// <summary>How often a running job renews its lease; null: a third of <c>JobQueueOptions.LeaseDuration</c>.</summary>
    public TimeSpan? HeartbeatInterval { get; set; }

    /// <summary>The backends this worker offers; empty: every backend available on this machine.</summary>
    public IList<string> Backends { get; } = new List<string>();

    /// <summary>Memory one job may use, in bytes; null: the smallest memory of the devices the offered backends train
    /// on (the GPUs for <c>libtorch-cuda</c>), else the machine's. Jobs whose <c>required_memory_bytes</c> is larger
    /// are left for bigger workers.</summary>
    public long? MemoryBytes { get; set; }

    /// <summary>Scratch space for datasets, checkpoints and outputs of running jobs; null: a folder in the system
    /// temp directory. Each attempt's folder is deleted when it ends.</summary>
    public string? WorkDir { get; set; }

    /// <summary>
    /// How long the final writes of an attempt (uploads, complete, release) may take once the host is stopping
    /// (default 2 min). The host's shutdown timeout is raised to at least this, so a stopping worker finishes its
    /// step, uploads its checkpoint and releases the lease instead of being cut off.
    /// </summary>
    public TimeSpan ShutdownTimeout { get; set; } = TimeSpan.FromMinutes(2);
}
