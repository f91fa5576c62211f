using FineTune.Contracts.Hosting;

namespace FineTune.Api;

/// <summary>Settings of the REST API, bound from the configuration section <c>ApiOptions</c>.</summary>
public sealed class ApiOptions
{
    /// <summary>
    /// The largest dataset upload in bytes (default 512 MiB). A larger body is refused with 413 while it streams in,
    /// so nothing of it stays stored.
    /// </summary>
    public long MaxDatasetBytes { get; set; } = 512L * 1024 * 1024;

    /// <summary>
    /// The folder whose sub-folders (each with a <c>config.json</c>) are the models jobs may name. Default: the
    /// environment variable <c>FINETUNE_MODELS_DIR</c>, else <c>models</c> under the working directory.
    /// </summary>
    public string? ModelsDir { get; set; }

    /// <summary>
    /// A worker heard from within this window counts as live in <c>GET /v1/workers</c> and <c>GET /v1/backends</c>
    /// (default 2 min, one lease duration: a worker silent for longer has lost its jobs anyway).
    /// </summary>
    public TimeSpan WorkerLivenessWindow { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// Refuse a job no live worker can claim (none offers its backend, or none has its estimated memory per job) with
    /// 422 naming <c>backend</c>, instead of queueing it with a warning (default false: workers may start later, e.g.
    /// an autoscaler that starts GPU workers for queued jobs).
    /// </summary>
    public bool StrictPlacement { get; set; }

    /// <summary>The models folder in effect: <see cref="ModelsDir"/>, <c>FINETUNE_MODELS_DIR</c>, or <c>models</c>.</summary>
    public string ResolveModelsDir()
    {
        string? configured = string.IsNullOrWhiteSpace(ModelsDir) ? FineTuneEnvironment.ModelsDir : ModelsDir;
        return Path.GetFullPath(string.IsNullOrWhiteSpace(configured) ? "models" : configured);
    }
}
