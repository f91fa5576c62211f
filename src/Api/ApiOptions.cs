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
    /// The longest line of an upload in bytes (default 16 MiB). A longer line is refused with 413 naming the line as
    /// soon as it passes the limit: the reader buffers one line, so this is what bounds an upload's memory.
    /// </summary>
    public int MaxLineBytes { get; set; } = 16 * 1024 * 1024;

    /// <summary>
    /// How many uploads one tenant may have in flight at once (default 4); another is refused with 429 and
    /// Retry-After. Uploads are staged in a temporary file before a database connection is taken, so slow clients
    /// hold disk, not connections; this bound keeps one tenant from holding all of it.
    /// </summary>
    public int MaxConcurrentUploadsPerTenant { get; set; } = 4;

    /// <summary>Where uploads are staged while they stream in (default: a <c>finetune-uploads</c> folder in the system temp dir).</summary>
    public string? UploadStagingDir { get; set; }

    /// <summary>
    /// Requests per second each tenant (or, before authentication, each client address) may make on average
    /// (default 50); 0 turns rate limiting off. Over the limit is 429 with Retry-After.
    /// </summary>
    public int RateLimitPerSecond { get; set; } = 50;

    /// <summary>
    /// How long a key that authenticated is trusted without looking it up again (default 5 s; zero looks every request
    /// up). A revocation (<c>TenantStore.RevokeApiKeyAsync</c>, from any process) takes effect within this time: the
    /// API cannot hear it sooner.
    /// </summary>
    public TimeSpan ApiKeyCacheTtl { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many requests a tenant may make in a burst above <see cref="RateLimitPerSecond"/> (default 200).</summary>
    public int RateLimitBurst { get; set; } = 200;

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
