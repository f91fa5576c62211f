using FineTune.HuggingFace;

namespace FineTune.Worker.Execution;

/// <summary>
/// Turns a job's <c>model</c> into a model folder on this machine: a folder of that name under
/// <see cref="WorkerOptions.ModelsDir"/>, or, where <see cref="WorkerOptions.AllowHubDownloads"/> is on, a Hugging
/// Face hub id downloaded into the hub cache. A job never names a path of its own choosing: rooted names and
/// <c>..</c> segments are refused, so one tenant cannot point the worker at another's files.
/// </summary>
public sealed class ModelLocator : IDisposable
{
    private readonly string? _modelsDir;
    private readonly bool _allowHubDownloads;
    private readonly HubOptions _hubOptions;
    private readonly Lazy<HttpClient> _httpClient = new(HubClient.CreateHttpClient);

    /// <summary>Creates a locator.</summary>
    /// <param name="modelsDir">The folder of model folders, or null for none.</param>
    /// <param name="allowHubDownloads">Whether hub ids may be downloaded.</param>
    /// <param name="hubOptions">Endpoint, token and cache of downloads (usually <see cref="HubOptions.FromEnvironment"/>).</param>
    public ModelLocator(string? modelsDir, bool allowHubDownloads, HubOptions hubOptions)
    {
        ArgumentNullException.ThrowIfNull(hubOptions);
        _modelsDir = string.IsNullOrWhiteSpace(modelsDir) ? null : Path.GetFullPath(modelsDir);
        _allowHubDownloads = allowHubDownloads;
        _hubOptions = hubOptions;
    }

    /// <summary>The models directory in use, or null.</summary>
    public string? ModelsDir => _modelsDir;

    /// <summary>
    /// Returns the folder of <paramref name="model"/>. Throws <see cref="PermanentJobException"/> when it names
    /// nothing this worker may use; hub download failures surface as <see cref="HubException"/>.
    /// </summary>
    public async Task<string> ResolveAsync(string model, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(model);
        if (!IsPlainName(model))
        {
            throw new PermanentJobException($"model '{model}' must be a folder name in the models directory or a hub id (org/name), not a path");
        }
        if (_modelsDir is not null)
        {
            string folder = Path.Combine(_modelsDir, model);
            if (Directory.Exists(folder))
            {
                if (!File.Exists(Path.Combine(folder, "config.json")))
                {
                    throw new PermanentJobException($"model '{model}' in the models directory has no config.json");
                }
                return folder;
            }
        }
        if (_allowHubDownloads && IsHubId(model))
        {
            var client = new HubClient(_httpClient.Value, _hubOptions);
            return await client.DownloadSnapshotAsync(model, progress: null, cancellationToken);
        }
        throw new PermanentJobException(DescribeMissing(model));
    }

    /// <inheritdoc />
    public void Dispose()
    {
        if (_httpClient.IsValueCreated)
        {
            _httpClient.Value.Dispose();
        }
    }

    private string DescribeMissing(string model)
    {
        string where = _modelsDir is null
            ? "this worker has no models directory (set FINETUNE_MODELS_DIR or WorkerOptions:ModelsDir)"
            : $"it is not a folder in the models directory; available: {string.Join(", ", ListModels(_modelsDir))}";
        string hub = _allowHubDownloads
            ? IsHubId(model) ? "" : "; it is not a hub id (org/name) either"
            : "; hub downloads are disabled on this worker";
        return $"model '{model}' not found: {where}{hub}";
    }

    private static string[] ListModels(string modelsDir)
    {
        if (!Directory.Exists(modelsDir))
        {
            return ["(none: the directory does not exist)"];
        }
        string[] names = Directory.EnumerateDirectories(modelsDir)
            .Where(folder => File.Exists(Path.Combine(folder, "config.json")))
            .Select(Path.GetFileName)
            .OfType<string>()
            .Order(StringComparer.Ordinal)
            .Take(20)
            .ToArray();
        return names.Length == 0 ? ["(none)"] : names;
    }

    // The hub's own validation is internal to Training; this is the shape it accepts: org/name of [A-Za-z0-9._-].
    private static bool IsHubId(string model)
    {
        string[] parts = model.Split('/');
        return parts.Length == 2 && parts.All(part => part.Length > 0 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-'));
    }

    private static bool IsPlainName(string model)
    {
        if (Path.IsPathRooted(model) || model.Contains('\\', StringComparison.Ordinal))
        {
            return false;
        }
        return model.Split('/').All(segment => segment.Length > 0 && segment != "." && segment != "..");
    }
}
