using System.Text;

namespace FineTune.HuggingFace;

/// <summary>
/// Where and how <see cref="HubClient"/> fetches model repositories. A plain instance never reads the environment, so
/// tests stay hermetic; the CLI starts from <see cref="FromEnvironment"/> and lays its flags over it with <c>with</c>.
/// </summary>
public sealed record HubOptions
{
    /// <summary>The public Hugging Face hub.</summary>
    public const string DefaultEndpoint = "https://huggingface.co";

    /// <summary>The branch most repositories publish on.</summary>
    public const string DefaultRevision = "main";

    /// <summary>
    /// Gets the file patterns a fine-tuning model folder needs: config, tokenizer and safetensors weights, at the
    /// repository root. PyTorch pickles, GGUF, ONNX, Flax and TF weights, images and READMEs are left out.
    /// </summary>
    public static IReadOnlyList<string> DefaultIncludePatterns { get; } =
    [
        "config.json",
        "generation_config.json",
        "tokenizer.json",
        "tokenizer_config.json",
        "special_tokens_map.json",
        "*.safetensors",
        "*.safetensors.index.json",
    ];

    /// <summary>Gets the default cache root, <c>~/.cache/finetune/hub</c>.</summary>
    public static string DefaultCacheDir { get; } = Path.Combine(
        Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".cache", "finetune", "hub");

    /// <summary>Gets the hub's base URL; mirrors serve the same URL layout under another host.</summary>
    public string Endpoint { get; init; } = DefaultEndpoint;

    /// <summary>Gets the access token, sent as a bearer token to the endpoint's host only; null sends none.</summary>
    public string? Token { get; init; }

    /// <summary>Gets the cache root, which holds one <c>models--{org}--{name}</c> folder per repository.</summary>
    public string CacheDir { get; init; } = DefaultCacheDir;

    /// <summary>Gets the branch, tag or 40-character commit hash to download.</summary>
    public string Revision { get; init; } = DefaultRevision;

    /// <summary>Gets a value indicating whether to answer from the cache alone and fail rather than make a request.</summary>
    public bool Offline { get; init; }

    /// <summary>Gets how many times a failed request or an interrupted file is retried; 4 rides out a brief outage.</summary>
    public int MaxRetries { get; init; } = 4;

    /// <summary>Gets the wait before the first retry; it doubles with each further retry.</summary>
    public TimeSpan RetryDelay { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>Gets how long a response body may send nothing before the transfer counts as stalled and is resumed.</summary>
    public TimeSpan ReadTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Gets how many files download at once; a few streams fill a fast link without hammering the hub.</summary>
    public int MaxParallelDownloads { get; init; } = 4;

    /// <summary>
    /// Gets the glob patterns of files to download, or null for <see cref="DefaultIncludePatterns"/>. <c>*</c> and
    /// <c>?</c> stay within one path segment, <c>**</c> crosses folders; matching is case-sensitive.
    /// </summary>
    public IReadOnlyList<string>? IncludePatterns { get; init; }

    /// <summary>
    /// Creates options from the variables huggingface_hub reads: <c>HF_ENDPOINT</c>, <c>HF_TOKEN</c>,
    /// <c>HF_HUB_OFFLINE</c> (1, true or yes), plus <c>FINETUNE_CACHE</c> for the cache root.
    /// </summary>
    /// <param name="getVariable">Looks up a variable; null reads the process environment.</param>
    /// <returns>Options with every unset variable left at its default.</returns>
    public static HubOptions FromEnvironment(Func<string, string?>? getVariable = null)
    {
        getVariable ??= Environment.GetEnvironmentVariable;
        var options = new HubOptions();
        if (NonEmpty(getVariable("HF_ENDPOINT")) is string endpoint)
        {
            options = options with { Endpoint = endpoint.TrimEnd('/') };
        }

        if (NonEmpty(getVariable("HF_TOKEN")) is string token)
        {
            options = options with { Token = token };
        }

        if (NonEmpty(getVariable("FINETUNE_CACHE")) is string cacheDir)
        {
            options = options with { CacheDir = cacheDir };
        }

        string? offline = NonEmpty(getVariable("HF_HUB_OFFLINE"));
        if (offline is "1" || string.Equals(offline, "true", StringComparison.OrdinalIgnoreCase)
            || string.Equals(offline, "yes", StringComparison.OrdinalIgnoreCase))
        {
            options = options with { Offline = true };
        }

        return options;
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value.Trim();

    // Records print every property; options get logged, so the token is shown only as present or absent.
    private bool PrintMembers(StringBuilder builder)
    {
        builder.Append("Endpoint = ").Append(Endpoint)
            .Append(", Token = ").Append(Token is null ? "(none)" : "(set)")
            .Append(", CacheDir = ").Append(CacheDir)
            .Append(", Revision = ").Append(Revision)
            .Append(", Offline = ").Append(Offline)
            .Append(", MaxRetries = ").Append(MaxRetries)
            .Append(", RetryDelay = ").Append(RetryDelay)
            .Append(", ReadTimeout = ").Append(ReadTimeout)
            .Append(", MaxParallelDownloads = ").Append(MaxParallelDownloads)
            .Append(", IncludePatterns = ")
            .Append(IncludePatterns is null ? "(default)" : string.Join(' ', IncludePatterns));
        return true;
    }
}
