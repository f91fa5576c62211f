using System.Globalization;
using System.Text.Json;

namespace FineTune.Torch.Safetensors;

/// <summary>
/// Parses and validates the JSON header of one safetensors file. Every failure is a
/// <see cref="SafetensorsFormatException"/> naming the file; nothing here touches tensor bytes.
/// </summary>
internal static class SafetensorsHeaderParser
{
    internal const string MetadataKey = "__metadata__";

    /// <summary>Parses <paramref name="json"/> and checks every tensor against a data section of <paramref name="dataLength"/> bytes.</summary>
    internal static (Dictionary<string, string> Metadata, Dictionary<string, SafetensorsTensorInfo> Tensors) Parse(
        string path,
        ReadOnlyMemory<byte> json,
        long dataLength)
    {
        // JSON text must be UTF-8; the reader only notices bad bytes inside strings when a name is read, and then throws
        // InvalidOperationException, so they are refused here with the file's name.
        if (!System.Text.Unicode.Utf8.IsValid(json.Span))
        {
            throw new SafetensorsFormatException(path, "the header is not valid UTF-8", null);
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException ex)
        {
            throw new SafetensorsFormatException(path, $"the header is not valid JSON ({ex.Message})", ex);
        }

        using (document)
        {
            JsonElement root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new SafetensorsFormatException(path, $"the header must be a JSON object, but it is {root.ValueKind}", null);
            }

            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            var tensors = new Dictionary<string, SafetensorsTensorInfo>(StringComparer.Ordinal);
            bool sawMetadata = false;
            try
            {
                ReadEntries();
            }
            catch (InvalidOperationException ex)
            {
                // A name or string with an escaped lone UTF-16 surrogate ("\ud800"): valid JSON, but not text.
                throw new SafetensorsFormatException(path, "the header holds a string that is not valid text (a lone surrogate escape)", ex);
            }

            RejectOverlaps(path, tensors.Values);
            return (metadata, tensors);

            void ReadEntries()
            {
                foreach (JsonProperty property in root.EnumerateObject())
                {
                    if (property.Name == MetadataKey)
                    {
                        if (sawMetadata)
                        {
                            throw new SafetensorsFormatException(path, $"the header has '{MetadataKey}' twice", null);
                        }

                        sawMetadata = true;
                        ReadMetadata(path, property.Value, metadata);
                    }
                    else if (!tensors.TryAdd(property.Name, ReadTensor(path, property.Name, property.Value, dataLength)))
                    {
                        throw new SafetensorsFormatException(path, $"tensor '{property.Name}' appears twice in the header", null);
                    }
                }
            }
        }
    }

    private static void ReadMetadata(string path, JsonElement element, Dictionary<string, string> metadata)
    {
        // The Rust reference types this as Option<HashMap<String, String>>, so null means "none".
        if (element.ValueKind == JsonValueKind.Null)
        {
            return;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, $"'{MetadataKey}' must be an object of strings, but it is {element.ValueKind}", null);
        }

        foreach (JsonProperty entry in element.EnumerateObject())
        {
            if (entry.Value.ValueKind != JsonValueKind.String)
            {
                throw new SafetensorsFormatException(path, $"'{MetadataKey}' entry '{entry.Name}' must be a string, but it is {entry.Value.ValueKind}", null);
            }

            if (!metadata.TryAdd(entry.Name, entry.Value.GetString()!))
            {
                throw new SafetensorsFormatException(path, $"'{MetadataKey}' has key '{entry.Name}' twice", null);
            }
        }
    }

    private static SafetensorsTensorInfo ReadTensor(string path, string name, JsonElement element, long dataLength)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new SafetensorsFormatException(path, $"the entry for tensor '{name}' must be an object, but it is {element.ValueKind}", null);
        }

        if (!element.TryGetProperty("dtype", out JsonElement dtypeElement) || dtypeElement.ValueKind != JsonValueKind.String)
        {
            throw new SafetensorsFormatException(path, $"tensor '{name}' has no string 'dtype'", null);
        }

        string? dtypeName = dtypeElement.GetString();
        if (!SafetensorsDTypeExtensions.TryParseHeaderName(dtypeName, out SafetensorsDType dtype))
        {
            throw new SafetensorsFormatException(path, $"tensor '{name}' has unknown dtype '{dtypeName}'", null);
        }

        long[] shape = ReadShape(path, name, element);
        (long begin, long end) = ReadOffsets(path, name, element);

        if (!TryComputeByteLength(dtype, shape, out long expectedBytes))
        {
            throw new SafetensorsFormatException(path, $"tensor '{name}' has shape {FormatShape(shape)}, too large to address", null);
        }

        if (end - begin != expectedBytes)
        {
            throw new SafetensorsFormatException(
                path,
                $"tensor '{name}' spans {end - begin} bytes (data_offsets [{begin}, {end}]), but {dtype} with shape {FormatShape(shape)} needs {expectedBytes}",
                null);
        }

        if (end > dataLength)
        {
            throw new SafetensorsFormatException(
                path,
                $"tensor '{name}' ends at data offset {end}, beyond the {dataLength}-byte data section: the file is truncated",
                null);
        }

        return new SafetensorsTensorInfo(name, dtype, shape, begin, end - begin);
    }

    private static long[] ReadShape(string path, string name, JsonElement element)
    {
        if (!element.TryGetProperty("shape", out JsonElement shapeElement) || shapeElement.ValueKind != JsonValueKind.Array)
        {
            throw new SafetensorsFormatException(path, $"tensor '{name}' has no 'shape' array", null);
        }

        var shape = new long[shapeElement.GetArrayLength()];
        int index = 0;
        foreach (JsonElement dimension in shapeElement.EnumerateArray())
        {
            if (dimension.ValueKind != JsonValueKind.Number || !dimension.TryGetInt64(out long value))
            {
                throw new SafetensorsFormatException(path, $"tensor '{name}' has shape dimension {dimension.GetRawText()}, which is not an integer", null);
            }

            if (value < 0)
            {
                throw new SafetensorsFormatException(path, $"tensor '{name}' has negative shape dimension {value}", null);
            }

            shape[index++] = value;
        }

        return shape;
    }

    private static (long Begin, long End) ReadOffsets(string path, string name, JsonElement element)
    {
        if (!element.TryGetProperty("data_offsets", out JsonElement offsets)
            || offsets.ValueKind != JsonValueKind.Array
            || offsets.GetArrayLength() != 2
            || !TryGetNonNegative(offsets[0], out long begin)
            || !TryGetNonNegative(offsets[1], out long end))
        {
            throw new SafetensorsFormatException(path, $"tensor '{name}' must have 'data_offsets' [begin, end] of two non-negative integers", null);
        }

        if (end < begin)
        {
            throw new SafetensorsFormatException(path, $"tensor '{name}' has data_offsets [{begin}, {end}] whose end is before its begin", null);
        }

        return (begin, end);
    }

    private static bool TryGetNonNegative(JsonElement element, out long value)
    {
        value = 0;
        return element.ValueKind == JsonValueKind.Number && element.TryGetInt64(out value) && value >= 0;
    }

    private static void RejectOverlaps(string path, IEnumerable<SafetensorsTensorInfo> tensors)
    {
        // Holes and trailing bytes are tolerated (some writers align tensors); two tensors sharing a byte is not.
        SafetensorsTensorInfo? furthest = null;
        foreach (SafetensorsTensorInfo tensor in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.ByteOffset))
        {
            if (furthest is not null && tensor.ByteOffset < furthest.ByteOffset + furthest.ByteLength)
            {
                throw new SafetensorsFormatException(
                    path,
                    $"tensors '{furthest.Name}' {FormatRange(furthest)} and '{tensor.Name}' {FormatRange(tensor)} overlap",
                    null);
            }

            if (furthest is null || tensor.ByteOffset + tensor.ByteLength > furthest.ByteOffset + furthest.ByteLength)
            {
                furthest = tensor;
            }
        }
    }

    private static string FormatRange(SafetensorsTensorInfo tensor)
    {
        return string.Create(CultureInfo.InvariantCulture, $"[{tensor.ByteOffset}, {tensor.ByteOffset + tensor.ByteLength}]");
    }

    /// <summary>Computes element count times element size; false (and -1) when that overflows a long.</summary>
    internal static bool TryComputeByteLength(SafetensorsDType dtype, long[] shape, out long byteLength)
    {
        try
        {
            byteLength = dtype.ElementSize();
            foreach (long dimension in shape)
            {
                byteLength = checked(byteLength * dimension);
            }

            return true;
        }
        catch (OverflowException)
        {
            byteLength = -1;
            return false;
        }
    }

    internal static string FormatShape(IEnumerable<long> shape)
    {
        return "[" + string.Join(", ", shape.Select(d => d.ToString(CultureInfo.InvariantCulture))) + "]";
    }
}
