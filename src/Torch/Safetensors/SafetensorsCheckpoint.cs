using System.Collections.Frozen;
using System.Diagnostics.CodeAnalysis;

namespace FineTune.Torch.Safetensors;

/// <summary>
/// The safetensors weights of a Hugging Face model folder: either the shards listed in
/// <c>model.safetensors.index.json</c> or a single <c>model.safetensors</c>, opened as
/// <see cref="SafetensorsFile"/> mappings and addressed by tensor name.
/// </summary>
/// <remarks>
/// Tied weights saved by <c>safetensors.torch.save_model</c> are stored once, and the dropped name
/// is recorded in <c>__metadata__</c> as <c>"dropped.name": "kept.name"</c>. Any metadata entry
/// whose key is not a stored tensor and whose value is one is treated as such an alias (so
/// <c>"format": "pt"</c> is not). When a sharded index exists, its <c>weight_map</c> is
/// authoritative: tensors a shard holds but the index does not list are not exposed.
/// </remarks>
public sealed class SafetensorsCheckpoint : IDisposable
{
    /// <summary>The weights file of an unsharded Hugging Face checkpoint.</summary>
    public const string SingleFileName = "model.safetensors";

    /// <summary>The index file of a sharded Hugging Face checkpoint.</summary>
    public const string IndexFileName = "model.safetensors.index.json";

    private readonly SafetensorsFile[] _files;
    private readonly FrozenDictionary<string, SafetensorsFile> _fileByTensor;
    private readonly FrozenDictionary<string, string> _aliases;
    private bool _disposed;

    private SafetensorsCheckpoint(string folder, SafetensorsFile[] files, Dictionary<string, SafetensorsFile> fileByTensor)
    {
        Folder = folder;
        _files = files;
        _fileByTensor = fileByTensor.ToFrozenDictionary(StringComparer.Ordinal);
        TensorNames = [.. fileByTensor.Keys.Order(StringComparer.Ordinal)];

        var aliases = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (SafetensorsFile file in files)
        {
            foreach ((string key, string value) in file.Metadata)
            {
                // First shard wins if two shards disagree; save_model never writes such a pair.
                if (!fileByTensor.ContainsKey(key) && fileByTensor.ContainsKey(value))
                {
                    aliases.TryAdd(key, value);
                }
            }
        }

        _aliases = aliases.ToFrozenDictionary(StringComparer.Ordinal);
    }

    /// <summary>Gets the full path of the model folder.</summary>
    public string Folder { get; }

    /// <summary>Gets the stored tensor names in ordinal order (aliases excluded; see <see cref="Aliases"/>).</summary>
    public IReadOnlyList<string> TensorNames { get; }

    /// <summary>Gets the alias map: a name that is not stored, to the stored tensor that holds its data.</summary>
    public IReadOnlyDictionary<string, string> Aliases => _aliases;

    /// <summary>Gets the open files, shards in index order.</summary>
    public IReadOnlyList<SafetensorsFile> Files => _files.AsReadOnly();

    /// <summary>Opens the safetensors weights of a Hugging Face model folder.</summary>
    /// <param name="folder">The model folder.</param>
    /// <returns>The open checkpoint; the caller owns it and must dispose it.</returns>
    /// <exception cref="DirectoryNotFoundException">The folder does not exist.</exception>
    /// <exception cref="FileNotFoundException">Neither weights file exists, or a shard named by the index is missing.</exception>
    /// <exception cref="SafetensorsFormatException">A file is malformed, or the index lists a tensor that its shard lacks.</exception>
    public static SafetensorsCheckpoint Open(string folder)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        string fullFolder = Path.GetFullPath(folder);
        if (!Directory.Exists(fullFolder))
        {
            throw new DirectoryNotFoundException($"Checkpoint folder '{fullFolder}' does not exist.");
        }

        string indexPath = Path.Combine(fullFolder, IndexFileName);
        string singlePath = Path.Combine(fullFolder, SingleFileName);
        var opened = new List<SafetensorsFile>();
        try
        {
            var fileByTensor = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
            if (File.Exists(indexPath))
            {
                OpenShards(fullFolder, indexPath, opened, fileByTensor);
            }
            else if (File.Exists(singlePath))
            {
                SafetensorsFile file = SafetensorsFile.Open(singlePath);
                opened.Add(file);
                foreach (string name in file.Tensors.Keys)
                {
                    fileByTensor.Add(name, file);
                }
            }
            else
            {
                throw new FileNotFoundException(
                    $"Checkpoint folder '{fullFolder}' has neither '{IndexFileName}' nor '{SingleFileName}'.",
                    singlePath);
            }

            return new SafetensorsCheckpoint(fullFolder, [.. opened], fileByTensor);
        }
        catch
        {
            foreach (SafetensorsFile file in opened)
            {
                file.Dispose();
            }

            throw;
        }
    }

    /// <summary>Looks up a stored tensor or an alias.</summary>
    /// <param name="name">A stored tensor name or an alias.</param>
    /// <param name="info">The stored tensor's entry (its <see cref="SafetensorsTensorInfo.Name"/> is the stored name).</param>
    /// <param name="file">The file that holds it.</param>
    /// <returns>True when the name is known.</returns>
    public bool TryGetTensor(
        string name,
        [NotNullWhen(true)] out SafetensorsTensorInfo? info,
        [NotNullWhen(true)] out SafetensorsFile? file)
    {
        ArgumentNullException.ThrowIfNull(name);
        ObjectDisposedException.ThrowIf(_disposed, this);
        string storedName = _aliases.GetValueOrDefault(name, name);
        if (_fileByTensor.TryGetValue(storedName, out file))
        {
            info = file.Tensors[storedName];
            return true;
        }

        info = null;
        return false;
    }

    /// <summary>Returns the entry of a stored tensor or an alias.</summary>
    /// <param name="name">A stored tensor name or an alias.</param>
    /// <returns>The stored tensor's entry.</returns>
    /// <exception cref="KeyNotFoundException">The name is neither stored nor an alias.</exception>
    public SafetensorsTensorInfo GetInfo(string name)
    {
        return Resolve(name).Info;
    }

    /// <summary>Returns the bytes of a stored tensor or an alias, valid until <see cref="Dispose"/>.</summary>
    /// <param name="name">A stored tensor name or an alias.</param>
    /// <returns>The raw little-endian bytes.</returns>
    /// <exception cref="KeyNotFoundException">The name is neither stored nor an alias.</exception>
    public ReadOnlySpan<byte> GetBytes(string name)
    {
        (SafetensorsTensorInfo info, SafetensorsFile file) = Resolve(name);
        return file.GetBytes(info.Name);
    }

    /// <summary>Unmaps every file; spans obtained from this checkpoint must no longer be used.</summary>
    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        foreach (SafetensorsFile file in _files)
        {
            file.Dispose();
        }
    }

    private (SafetensorsTensorInfo Info, SafetensorsFile File) Resolve(string name)
    {
        if (!TryGetTensor(name, out SafetensorsTensorInfo? info, out SafetensorsFile? file))
        {
            throw new KeyNotFoundException(
                $"Tensor '{name}' is not in checkpoint '{Folder}' ({TensorNames.Count} stored tensors, {_aliases.Count} aliases).");
        }

        return (info, file);
    }

    private static void OpenShards(
        string folder,
        string indexPath,
        List<SafetensorsFile> opened,
        Dictionary<string, SafetensorsFile> fileByTensor)
    {
        Dictionary<string, string> weightMap = SafetensorsIndex.ReadWeightMap(indexPath);
        var shardByFileName = new Dictionary<string, SafetensorsFile>(StringComparer.Ordinal);
        foreach ((string tensorName, string fileName) in weightMap)
        {
            if (!shardByFileName.TryGetValue(fileName, out SafetensorsFile? shard))
            {
                string shardPath = Path.Combine(folder, fileName);
                if (!File.Exists(shardPath))
                {
                    throw new FileNotFoundException(
                        $"Shard '{fileName}' listed in '{indexPath}' (for tensor '{tensorName}') does not exist.",
                        shardPath);
                }

                shard = SafetensorsFile.Open(shardPath);
                opened.Add(shard);
                shardByFileName.Add(fileName, shard);
            }

            if (!shard.Tensors.ContainsKey(tensorName))
            {
                throw new SafetensorsFormatException(
                    indexPath,
                    $"weight_map puts tensor '{tensorName}' in '{fileName}', but that shard does not contain it",
                    null);
            }

            fileByTensor.Add(tensorName, shard);
        }
    }
}
