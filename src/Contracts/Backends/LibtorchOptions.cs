using System.Text.Json;
using System.Text.Json.Nodes;

namespace FineTune.Contracts.Backends;

/// <summary>Options of the libtorch backends, parsed strictly from JSON: an unknown key is an error naming it.</summary>
/// <param name="Threads">CPU intra-op threads (libtorch-cpu; null: every logical core, half where the pools' idle threads spin, as OpenBLAS gets; see CpuThreads).</param>
/// <param name="DeviceIndex">CUDA ordinal (libtorch-cuda).</param>
/// <param name="DType">Base-weight dtype: f32 on CPU; bf16 (default), f16 or f32 on CUDA.</param>
/// <param name="MemoryFraction">Cap on the job's share of the GPU's memory (libtorch-cuda; null: no cap).</param>
/// <param name="VarlenPackedAttention">
/// Packed rows attend through libtorch's variable-length flash kernel (libtorch-cuda <c>packed_attention: varlen</c>;
/// TrainingConfig.VarlenPackedAttention) instead of the default per-record batches.
/// </param>
public sealed record LibtorchOptions(int? Threads, int DeviceIndex, WeightDType DType, double? MemoryFraction = null, bool VarlenPackedAttention = false)
{
    /// <summary>Parses options for the named backend; <paramref name="allowed"/> lists the keys it supports.</summary>
    public static LibtorchOptions Parse(JsonObject? json, string backend, IReadOnlyList<string> allowed, WeightDType defaultDType)
    {
        int? threads = null;
        int deviceIndex = 0;
        WeightDType dtype = defaultDType;
        double? memoryFraction = null;
        bool varlen = false;
        foreach (var (key, value) in json ?? new JsonObject())
        {
            if (!allowed.Contains(key))
            {
                throw new BackendOptionsException($"backend {backend} does not support option '{key}'; its options are: {string.Join(", ", allowed)}", key);
            }
            try
            {
                switch (key)
                {
                    case "threads":
                        threads = value!.GetValue<int>();
                        if (threads < 1)
                        {
                            throw new BackendOptionsException($"backend {backend}: option 'threads' must be at least 1", key);
                        }
                        break;
                    case "device_index":
                        deviceIndex = value!.GetValue<int>();
                        break;
                    case "dtype":
                        dtype = ParseDType(value!.GetValue<string>(), backend);
                        break;
                    case "memory_fraction":
                        memoryFraction = value!.GetValue<double>();
                        if (memoryFraction is not (> 0 and <= 1))
                        {
                            throw new BackendOptionsException($"backend {backend}: option 'memory_fraction' must lie in (0, 1]", key);
                        }
                        break;
                    case "packed_attention":
                        varlen = value!.GetValue<string>() switch
                        {
                            "auto" => false,
                            "varlen" => true,
                            string other => throw new BackendOptionsException($"backend {backend}: option 'packed_attention' must be auto or varlen (got '{other}')", key),
                        };
                        break;
                }
            }
            catch (Exception e) when (e is InvalidOperationException or FormatException or NullReferenceException)
            {
                throw new BackendOptionsException($"backend {backend}: option '{key}' has the wrong type ({value?.ToJsonString() ?? "null"})", key);
            }
        }
        if (varlen && dtype == WeightDType.Float32)
        {
            // The flash kernel takes 16-bit inputs only; f32 would run every example in turn, slower than the default.
            throw new BackendOptionsException($"backend {backend}: option 'packed_attention' varlen needs dtype bf16 or f16 (libtorch's flash kernel), not f32", "packed_attention");
        }
        return new LibtorchOptions(threads, deviceIndex, dtype, memoryFraction, varlen);
    }

    private static WeightDType ParseDType(string text, string backend)
    {
        return text switch
        {
            "f32" => WeightDType.Float32,
            "bf16" => WeightDType.BFloat16,
            "f16" => WeightDType.Float16,
            _ => throw new BackendOptionsException($"backend {backend}: option 'dtype' must be one of f32, bf16, f16 (got '{text}')", "dtype"),
        };
    }

    /// <summary>Builds the JSON Schema of an options object with the given properties.</summary>
    internal static JsonObject Schema(string title, JsonObject properties) => new()
    {
        ["$schema"] = "https://json-schema.org/draft/2020-12/schema",
        ["title"] = title,
        ["type"] = "object",
        ["additionalProperties"] = false,
        ["properties"] = properties,
    };

    internal static JsonObject Property(string type, string description, JsonNode? defaultValue = null, JsonArray? values = null, int? minimum = null)
    {
        var property = new JsonObject { ["type"] = type, ["description"] = description };
        if (defaultValue is not null)
        {
            property["default"] = defaultValue;
        }
        if (values is not null)
        {
            property["enum"] = values;
        }
        if (minimum is int min)
        {
            property["minimum"] = min;
        }
        return property;
    }

    internal static string ToJson(JsonObject schema) => schema.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
