using System.Buffers.Binary;
using System.Text.Json;

namespace FineTune.Api.Models;

/// <summary>
/// Counts a model folder's parameters from its safetensors headers alone: each file starts with an 8-byte
/// little-endian header length and a JSON header listing every tensor's shape, so no weight is read. Sharded
/// checkpoints are summed over the files named in <c>model.safetensors.index.json</c>. (Kept here rather than using
/// the engine's memory-mapping reader so the API host stays independent of the libtorch binding.)
/// </summary>
internal static class SafetensorsHeaders
{
    public const string SingleFileName = "model.safetensors";

    public const string IndexFileName = "model.safetensors.index.json";

    // The format caps the header at 100 MB; anything larger is not a safetensors file.
    private const long MaxHeaderBytes = 100_000_000;

    /// <summary>The parameter count, or null when the folder has no safetensors weights.</summary>
    public static long? CountParameters(string folder)
    {
        string index = Path.Combine(folder, IndexFileName);
        if (File.Exists(index))
        {
            using JsonDocument document = JsonDocument.Parse(File.ReadAllBytes(index));
            return document.RootElement.GetProperty("weight_map").EnumerateObject()
                .Select(entry => entry.Value.GetString()!)
                .Distinct(StringComparer.Ordinal)
                .Sum(file => CountFile(Path.Combine(folder, Path.GetFileName(file))));
        }
        string single = Path.Combine(folder, SingleFileName);
        return File.Exists(single) ? CountFile(single) : null;
    }

    private static long CountFile(string path)
    {
        using FileStream stream = File.OpenRead(path);
        Span<byte> prefix = stackalloc byte[8];
        stream.ReadExactly(prefix);
        ulong headerBytes = BinaryPrimitives.ReadUInt64LittleEndian(prefix);
        if (headerBytes == 0 || headerBytes > MaxHeaderBytes || (long)headerBytes > stream.Length - 8)
        {
            throw new InvalidDataException($"{path}: not a safetensors file (header length {headerBytes})");
        }
        byte[] header = new byte[headerBytes];
        stream.ReadExactly(header);
        using JsonDocument document = JsonDocument.Parse(header);
        long count = 0;
        foreach (JsonProperty tensor in document.RootElement.EnumerateObject().Where(entry => entry.Name != "__metadata__"))
        {
            count += tensor.Value.GetProperty("shape").EnumerateArray().Aggregate(1L, (product, dimension) => product * dimension.GetInt64());
        }
        return count;
    }
}
