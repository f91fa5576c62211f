using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Models;
using FineTune.Torch;
using FineTune.Torch.Safetensors;

namespace FineTune.Training.Model;

/// <summary>
/// Writes a randomly initialised Hugging Face model folder: config.json, safetensors weights (N(0, 0.02) matrices,
/// unit norms, zero biases, as Llama's initializer_range), sharded at 2 GB so memory stays bounded for 8B shapes. The
/// tensors are those of the config's <see cref="WeightLayout"/>, so <see cref="TransformerLoader"/> reads the folder.
/// </summary>
public static class RandomModelWriter
{
    private const long ShardBytes = 2L << 30;

    /// <summary>
    /// Writes <paramref name="configJson"/> (a Hugging Face <c>config.json</c>, its <c>torch_dtype</c> set to
    /// <paramref name="dtype"/>) and random weights drawn from <paramref name="seed"/> into <paramref name="outDir"/>;
    /// returns the number of parameters written.
    /// </summary>
    public static long Write(JsonObject configJson, string outDir, ScalarType dtype, long seed)
    {
        ArgumentNullException.ThrowIfNull(configJson);
        Directory.CreateDirectory(outDir);
        configJson["torch_dtype"] = dtype switch { ScalarType.BFloat16 => "bfloat16", ScalarType.Float16 => "float16", _ => "float32" };
        using JsonDocument parsed = JsonDocument.Parse(configJson.ToJsonString());
        ModelConfig config = ModelConfig.FromJson(parsed.RootElement, "preset");
        File.WriteAllText(Path.Combine(outDir, "config.json"), configJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        WeightLayout layout = WeightLayout.Of(config);
        int elementSize = torch.ElementSize(dtype);
        var shards = new List<List<WeightTensor>> { new() };
        long shardSize = 0;
        foreach (WeightTensor tensor in layout.Tensors)
        {
            long bytes = tensor.ElementCount * elementSize;
            if (shardSize > 0 && shardSize + bytes > ShardBytes)
            {
                shards.Add(new());
                shardSize = 0;
            }
            shards[^1].Add(tensor);
            shardSize += bytes;
        }
        using var generator = new Generator(seed);
        var weightMap = new JsonObject();
        for (int s = 0; s < shards.Count; s++)
        {
            string file = shards.Count == 1 ? "model.safetensors" : $"model-{s + 1:D5}-of-{shards.Count:D5}.safetensors";
            var tensors = shards[s].Select(t => Random(t.Name, [.. t.Shape], dtype, generator)).ToList();
            SafetensorsWriter.Write(Path.Combine(outDir, file), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var t in shards[s])
            {
                weightMap[t.Name] = file;
            }
        }
        long parameters = layout.ParameterCount;
        if (shards.Count > 1)
        {
            var index = new JsonObject { ["metadata"] = new JsonObject { ["total_size"] = parameters * elementSize }, ["weight_map"] = weightMap };
            File.WriteAllText(Path.Combine(outDir, SafetensorsCheckpoint.IndexFileName), index.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        }
        return parameters;
    }

    private static SafetensorsTensor Random(string name, long[] shape, ScalarType dtype, Generator generator)
    {
        using var scope = TensorScope.Begin();
        Tensor values = name.EndsWith("norm.weight", StringComparison.Ordinal) || name.EndsWith(".bias", StringComparison.Ordinal)
            ? torch.full(shape, name.EndsWith(".bias", StringComparison.Ordinal) ? 0 : 1)
            : torch.randn(shape, generator: generator).mul(0.02);
        return values.to(dtype).ToSafetensor(name);
    }
}
