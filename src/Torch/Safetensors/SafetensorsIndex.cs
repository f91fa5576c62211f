using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace FineTune.Torch.Safetensors;

/// <summary>
/// The Hugging Face sharded-checkpoint index (<c>model.safetensors.index.json</c>): file naming,
/// serialization and validated reading of its <c>weight_map</c>.
/// </summary>
internal static class SafetensorsIndex
{
    /// <summary>Returns the Hugging Face shard name, e.g. <c>model-00001-of-00003.safetensors</c>.</summary>
    internal static string ShardFileName(int shardNumber, int shardCount)
    {
        return string.Create(CultureInfo.InvariantCulture, $"model-{shardNumber:D5}-of-{shardCount:D5}.safetensors");
    }

    /// <summary>True for names of the form <c>model-NNNNN-of-NNNNN.safetensors</c>.</summary>
    internal static bool IsShardFileName(string fileName)
    {
        // "model-" 00001 "-of-" 00003 ".safetensors"
        ReadOnlySpan<char> name = fileName;
        return name.Length == 32
            && name.StartsWith("model-", StringComparison.Ordinal)
            && name[11..].StartsWith("-of-", StringComparison.Ordinal)
            && name[20..].SequenceEqual(".safetensors")
            && !name[6..11].ContainsAnyExceptInRange('0', '9')
            && !name[15..20].ContainsAnyExceptInRange('0', '9');
    }

    /// <summary>
    /// Serializes the index the way transformers does (<c>json.dumps(indent=2, sort_keys=True)</c>
    /// plus a newline), so diffs against Python-written indexes stay quiet.
    /// </summary>
    internal static byte[] Serialize(long totalSize, IEnumerable<KeyValuePair<string, string>> weightMap)
    {
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteStartObject("metadata");
            writer.WriteNumber("total_size", totalSize);
            writer.WriteEndObject();
            writer.WriteStartObject("weight_map");
            foreach (KeyValuePair<string, string> entry in weightMap.OrderBy(e => e.Key, StringComparer.Ordinal))
            {
                writer.WriteString(entry.Key, entry.Value);
            }

            writer.WriteEndObject();
            writer.WriteEndObject();
        }

        buffer.Write("\n"u8);
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>Reads and validates the tensor-name-to-shard-file map of an index file.</summary>
    internal static Dictionary<string, string> ReadWeightMap(string indexPath)
    {
        byte[] json = File.ReadAllBytes(indexPath);
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new SafetensorsFormatException(indexPath, $"the index is not valid JSON ({ex.Message})", ex);
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Object
                || !document.RootElement.TryGetProperty("weight_map", out JsonElement weightMap)
                || weightMap.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(indexPath, "the index must be a JSON object with a 'weight_map' object", null);
            }

            var result = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (JsonProperty entry in weightMap.EnumerateObject())
            {
                string? fileName = entry.Value.ValueKind == JsonValueKind.String ? entry.Value.GetString() : null;

                // Shards must sit beside the index; a path here could point anywhere on disk.
                if (string.IsNullOrEmpty(fileName)
                    || fileName is "." or ".."
                    || fileName.IndexOfAny(['/', '\\']) >= 0
                    || fileName.IndexOfAny(Path.GetInvalidFileNameChars()) >= 0)
                {
                    throw new SafetensorsFormatException(
                        indexPath,
                        $"weight_map entry for tensor '{entry.Name}' must be a plain file name in the same folder, but it is {entry.Value.GetRawText()}",
                        null);
                }

                if (!result.TryAdd(entry.Name, fileName))
                {
                    throw new SafetensorsFormatException(indexPath, $"weight_map lists tensor '{entry.Name}' twice", null);
                }
            }

            return result;
        }
    }
}
