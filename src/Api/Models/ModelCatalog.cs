using System.Collections.Concurrent;
using System.Text.Json;
using FineTune.Api.Contracts;
using FineTune.Contracts.Models;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Models;

/// <summary>
/// The models jobs may name: the sub-folders of the models folder (<see cref="ApiOptions.ResolveModelsDir"/>) whose
/// <c>config.json</c> describes a family the engine supports. Parameters are counted from the safetensors headers
/// (never loading the weights), or computed from the config when a folder has no weights file.
/// Results are cached per folder until its <c>config.json</c> changes, so listing stays cheap.
/// </summary>
/// <param name="options">Where the models are.</param>
/// <param name="logger">Reports folders that are skipped, and why.</param>
public sealed class ModelCatalog(IOptions<ApiOptions> options, ILogger<ModelCatalog> logger)
{
    private readonly ConcurrentDictionary<string, (DateTime ConfigWrittenAt, ModelDto? Model, ModelConfig? Config)> _cache = new(StringComparer.Ordinal);

    /// <summary>Every loadable model, by name.</summary>
    public IReadOnlyList<ModelDto> List()
    {
        string root = options.Value.ResolveModelsDir();
        if (!Directory.Exists(root))
        {
            return [];
        }
        return Directory.EnumerateDirectories(root)
            .Select(Describe)
            .OfType<ModelDto>()
            .OrderBy(model => model.Name, StringComparer.Ordinal)
            .ToList();
    }

    /// <summary>The model called <paramref name="name"/>, or null when there is no such loadable model.</summary>
    public ModelDto? Find(string name) => FindWithConfig(name)?.Model;

    /// <summary>
    /// The model called <paramref name="name"/> with its parsed <c>config.json</c> (for the memory estimate of a job),
    /// or null when there is no such loadable model.
    /// </summary>
    public (ModelDto Model, ModelConfig Config)? FindWithConfig(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        // A name is one folder name: anything that could walk out of the models folder is simply not a model.
        if (name.Length == 0 || name != Path.GetFileName(name) || name is "." or "..")
        {
            return null;
        }
        string folder = Path.Combine(options.Value.ResolveModelsDir(), name);
        return Directory.Exists(folder) ? Load(folder) : null;
    }

    private ModelDto? Describe(string folder) => Load(folder)?.Model;

    private (ModelDto Model, ModelConfig Config)? Load(string folder)
    {
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            return null;
        }
        DateTime writtenAt = File.GetLastWriteTimeUtc(configPath);
        if (_cache.TryGetValue(folder, out (DateTime ConfigWrittenAt, ModelDto? Model, ModelConfig? Config) cached) && cached.ConfigWrittenAt == writtenAt)
        {
            return cached.Model is null ? null : (cached.Model, cached.Config!);
        }
        ModelDto? model = null;
        ModelConfig? config = null;
        try
        {
            config = ModelConfig.FromFile(configPath);
            model = new ModelDto(Path.GetFileName(folder), config.ModelType, CountParameters(folder, config), config.MaxPositionEmbeddings, config.VocabSize)
            {
                Created = new DateTimeOffset(writtenAt, TimeSpan.Zero).ToUnixTimeSeconds(),
            };
        }
        catch (Exception exception) when (exception is ModelFormatException or IOException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            logger.LogWarning("Skipping model folder {Folder}: {Reason}", folder, exception.Message);
        }
        _cache[folder] = (writtenAt, model, config);
        return model is null ? null : (model, config!);
    }

    private static long CountParameters(string folder, ModelConfig config)
    {
        return SafetensorsHeaders.CountParameters(folder) ?? WeightLayout.Of(config).ParameterCount;
    }
}
