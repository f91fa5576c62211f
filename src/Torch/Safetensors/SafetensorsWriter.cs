using System.Buffers;
using System.Buffers.Binary;
using System.Globalization;
using System.Text.Encodings.Web;
using System.Text.Json;

namespace FineTune.Torch.Safetensors;

/// <summary>
/// Writes safetensors files and Hugging Face sharded checkpoints. Every file is written to
/// <c>path + ".tmp"</c>, flushed to disk and then renamed over the target, so a reader sees either
/// the old file or the complete new one; all inputs are validated before anything is written.
/// </summary>
public static class SafetensorsWriter
{
    private const int HeaderAlignment = 8;

    // The header is never embedded in HTML, so only JSON-mandatory escaping is needed; this keeps
    // tensor names readable, as the Rust writer does.
    private static readonly JsonWriterOptions s_headerJsonOptions = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>Writes one safetensors file, with tensors laid out contiguously in the given order.</summary>
    /// <param name="path">The target file; its folder must exist. An existing file is replaced atomically.</param>
    /// <param name="tensors">The tensors; names must be unique.</param>
    /// <param name="metadata">The optional <c>__metadata__</c> map, e.g. <c>{"format": "pt"}</c>.</param>
    /// <exception cref="ArgumentException">A tensor's data length does not match its dtype and shape, a name repeats, or a dimension is negative.</exception>
    public static void Write(string path, IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        List<SafetensorsTensor> list = Validate(tensors, metadata);
        WriteValidated(path, list, metadata);
    }

    /// <summary>
    /// Writes a Hugging Face checkpoint folder: <c>model-00001-of-0000N.safetensors</c> shards plus
    /// <c>model.safetensors.index.json</c>, or a single <c>model.safetensors</c> when everything fits
    /// in one shard. Stale files from an earlier save in the same folder (old shards, an old index or
    /// single file) are deleted after the new files are complete, so they cannot shadow them.
    /// </summary>
    /// <param name="folder">The checkpoint folder; created if missing.</param>
    /// <param name="tensors">The tensors, kept in order; a shard is closed before the tensor that would push it over the limit.</param>
    /// <param name="maxShardBytes">Largest tensor-data size of one shard (headers not counted, as in transformers); a larger tensor gets a shard of its own.</param>
    /// <param name="metadata">The optional <c>__metadata__</c> map written into every shard.</param>
    /// <returns>The file names written, relative to <paramref name="folder"/>, shards first.</returns>
    /// <exception cref="ArgumentException">A tensor is invalid, as for <see cref="Write"/>.</exception>
    /// <remarks>Each file is atomic; the folder as a whole is not. The index is written last.</remarks>
    public static IReadOnlyList<string> WriteSharded(
        string folder,
        IEnumerable<SafetensorsTensor> tensors,
        long maxShardBytes,
        IReadOnlyDictionary<string, string>? metadata = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(folder);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxShardBytes);
        List<SafetensorsTensor> list = Validate(tensors, metadata);
        List<List<SafetensorsTensor>> shards = PlanShards(list, maxShardBytes);
        Directory.CreateDirectory(folder);

        var written = new List<string>();
        if (shards.Count == 1)
        {
            WriteValidated(Path.Combine(folder, SafetensorsCheckpoint.SingleFileName), list, metadata);
            written.Add(SafetensorsCheckpoint.SingleFileName);
        }
        else
        {
            var weightMap = new Dictionary<string, string>(StringComparer.Ordinal);
            for (int i = 0; i < shards.Count; i++)
            {
                string fileName = SafetensorsIndex.ShardFileName(i + 1, shards.Count);
                WriteValidated(Path.Combine(folder, fileName), shards[i], metadata);
                written.Add(fileName);
                foreach (SafetensorsTensor tensor in shards[i])
                {
                    weightMap.Add(tensor.Name, fileName);
                }
            }

            long totalBytes = list.Sum(t => (long)t.Data.Length);
            byte[] index = SafetensorsIndex.Serialize(totalBytes, weightMap);
            WriteAtomically(Path.Combine(folder, SafetensorsCheckpoint.IndexFileName), index.Length, stream => stream.Write(index));
            written.Add(SafetensorsCheckpoint.IndexFileName);
        }

        DeleteStaleFiles(folder, written);
        return written;
    }

    private static List<SafetensorsTensor> Validate(IEnumerable<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        ArgumentNullException.ThrowIfNull(tensors);
        var list = new List<SafetensorsTensor>();
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (SafetensorsTensor tensor in tensors)
        {
            ArgumentNullException.ThrowIfNull(tensor, nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor.Name, nameof(tensors));
            ArgumentNullException.ThrowIfNull(tensor.Shape, nameof(tensors));
            if (tensor.Name == SafetensorsHeaderParser.MetadataKey || !names.Add(tensor.Name))
            {
                throw new ArgumentException($"Tensor name '{tensor.Name}' is reserved or used twice.", nameof(tensors));
            }

            if (tensor.Shape.Any(dimension => dimension < 0))
            {
                throw new ArgumentException(
                    $"Tensor '{tensor.Name}' has a negative dimension in shape {SafetensorsHeaderParser.FormatShape(tensor.Shape)}.",
                    nameof(tensors));
            }

            if (!SafetensorsHeaderParser.TryComputeByteLength(tensor.DType, tensor.Shape, out long expectedBytes)
                || tensor.Data.Length != expectedBytes)
            {
                throw new ArgumentException(
                    $"Tensor '{tensor.Name}' has {tensor.Data.Length} bytes of data, but {tensor.DType} with shape {SafetensorsHeaderParser.FormatShape(tensor.Shape)} needs {(expectedBytes < 0 ? "more than a long can count" : expectedBytes.ToString(CultureInfo.InvariantCulture))}.",
                    nameof(tensors));
            }

            list.Add(tensor);
        }

        if (metadata is not null && metadata.Any(entry => entry.Key is null || entry.Value is null))
        {
            throw new ArgumentException("Metadata keys and values must not be null.", nameof(metadata));
        }

        return list;
    }

    private static List<List<SafetensorsTensor>> PlanShards(List<SafetensorsTensor> tensors, long maxShardBytes)
    {
        var shards = new List<List<SafetensorsTensor>> { new() };
        long shardBytes = 0;
        foreach (SafetensorsTensor tensor in tensors)
        {
            if (shardBytes > 0 && shardBytes + tensor.Data.Length > maxShardBytes)
            {
                shards.Add([]);
                shardBytes = 0;
            }

            shards[^1].Add(tensor);
            shardBytes += tensor.Data.Length;
        }

        return shards;
    }

    private static void WriteValidated(string path, List<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        byte[] header = BuildHeader(tensors, metadata);
        long totalBytes = sizeof(ulong) + header.Length + tensors.Sum(t => (long)t.Data.Length);
        WriteAtomically(path, totalBytes, stream =>
        {
            Span<byte> prefix = stackalloc byte[sizeof(ulong)];
            BinaryPrimitives.WriteUInt64LittleEndian(prefix, (ulong)header.Length);
            stream.Write(prefix);
            stream.Write(header);
            foreach (SafetensorsTensor tensor in tensors)
            {
                stream.Write(tensor.Data.Span);
            }
        });
    }

    private static byte[] BuildHeader(List<SafetensorsTensor> tensors, IReadOnlyDictionary<string, string>? metadata)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, s_headerJsonOptions))
        {
            writer.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                writer.WriteStartObject(SafetensorsHeaderParser.MetadataKey);
                foreach (KeyValuePair<string, string> entry in metadata)
                {
                    writer.WriteString(entry.Key, entry.Value);
                }

                writer.WriteEndObject();
            }

            long offset = 0;
            foreach (SafetensorsTensor tensor in tensors)
            {
                writer.WriteStartObject(tensor.Name);
                writer.WriteString("dtype", tensor.DType.ToHeaderName());
                writer.WriteStartArray("shape");
                foreach (long dimension in tensor.Shape)
                {
                    writer.WriteNumberValue(dimension);
                }

                writer.WriteEndArray();
                writer.WriteStartArray("data_offsets");
                writer.WriteNumberValue(offset);
                writer.WriteNumberValue(offset + tensor.Data.Length);
                writer.WriteEndArray();
                writer.WriteEndObject();
                offset += tensor.Data.Length;
            }

            writer.WriteEndObject();
        }

        // Space padding (valid JSON whitespace) makes the data section start 8-byte aligned.
        int padding = (HeaderAlignment - (buffer.WrittenCount % HeaderAlignment)) % HeaderAlignment;
        buffer.GetSpan(padding)[..padding].Fill((byte)' ');
        buffer.Advance(padding);
        return buffer.WrittenSpan.ToArray();
    }

    private static void WriteAtomically(string path, long totalBytes, Action<FileStream> writeContent)
    {
        string tempPath = path + ".tmp";
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.Create,
                Access = FileAccess.Write,
                Share = FileShare.None,
                PreallocationSize = totalBytes,
            };
            using (var stream = new FileStream(tempPath, options))
            {
                writeContent(stream);

                // Without this the rename can reach the disk before the data, and a crash leaves a torn file under the final name.
                stream.Flush(flushToDisk: true);
            }

            File.Move(tempPath, path, overwrite: true);
        }
        catch
        {
            TryDelete(tempPath);
            throw;
        }
    }

    private static void DeleteStaleFiles(string folder, List<string> written)
    {
        var stale = Directory.EnumerateFiles(folder)
            .Select(Path.GetFileName)
            .OfType<string>()
            .Where(name => SafetensorsIndex.IsShardFileName(name)
                || name == SafetensorsCheckpoint.IndexFileName
                || name == SafetensorsCheckpoint.SingleFileName)
            .Where(name => !written.Contains(name))
            .ToList();
        foreach (string name in stale)
        {
            File.Delete(Path.Combine(folder, name));
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (IOException)
        {
            // Best effort: the original failure is the one worth reporting.
        }
        catch (UnauthorizedAccessException)
        {
            // As above.
        }
    }
}
