using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Contracts.Models;
using FineTune.Torch;
using FineTune.Torch.Safetensors;

namespace FineTune.Cli.Models;

/// <summary>
/// Writes a randomly initialised Hugging Face model folder: config.json, safetensors weights (N(0, 0.02) matrices,
/// unit norms, as Llama's initializer_range), sharded at 2 GB so memory stays bounded for 8B shapes.
/// </summary>
internal static class RandomModelWriter
{
    private const long ShardBytes = 2L << 30;

    public static long Write(JsonObject configJson, string outDir, ScalarType dtype, long seed)
    {
        Directory.CreateDirectory(outDir);
        configJson["torch_dtype"] = dtype switch { ScalarType.BFloat16 => "bfloat16", ScalarType.Float16 => "float16", _ => "float32" };
        using JsonDocument parsed = JsonDocument.Parse(configJson.ToJsonString());
        ModelConfig config = ModelConfig.FromJson(parsed.RootElement, "preset");
        File.WriteAllText(Path.Combine(outDir, "config.json"), configJson.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));

        var shapes = TensorShapes(config).ToList();
        int elementSize = torch.ElementSize(dtype);
        var shards = new List<List<(string Name, long[] Shape)>> { new() };
        long shardSize = 0;
        foreach (var tensor in shapes)
        {
            long bytes = tensor.Shape.Aggregate(1L, (a, b) => a * b) * elementSize;
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
            var tensors = shards[s].Select(t => Random(t.Name, t.Shape, dtype, generator)).ToList();
            SafetensorsWriter.Write(Path.Combine(outDir, file), tensors, new Dictionary<string, string> { ["format"] = "pt" });
            foreach (var t in shards[s])
            {
                weightMap[t.Name] = file;
            }
        }
        long parameters = shapes.Sum(t => t.Shape.Aggregate(1L, (a, b) => a * b));
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

    private static IEnumerable<(string Name, long[] Shape)> TensorShapes(ModelConfig c)
    {
        long q = (long)c.NumHeads * c.HeadDim, kv = (long)c.NumKeyValueHeads * c.HeadDim;
        yield return ("model.embed_tokens.weight", [c.VocabSize, c.HiddenSize]);
        for (int i = 0; i < c.NumLayers; i++)
        {
            string p = $"model.layers.{i}.";
            yield return (p + "input_layernorm.weight", [c.HiddenSize]);
            yield return (p + "self_attn.q_proj.weight", [q, c.HiddenSize]);
            yield return (p + "self_attn.k_proj.weight", [kv, c.HiddenSize]);
            yield return (p + "self_attn.v_proj.weight", [kv, c.HiddenSize]);
            if (c.AttentionBias)
            {
                yield return (p + "self_attn.q_proj.bias", [q]);
                yield return (p + "self_attn.k_proj.bias", [kv]);
                yield return (p + "self_attn.v_proj.bias", [kv]);
            }
            yield return (p + "self_attn.o_proj.weight", [c.HiddenSize, q]);
            yield return (p + "post_attention_layernorm.weight", [c.HiddenSize]);
            yield return (p + "mlp.gate_proj.weight", [c.IntermediateSize, c.HiddenSize]);
            yield return (p + "mlp.up_proj.weight", [c.IntermediateSize, c.HiddenSize]);
            yield return (p + "mlp.down_proj.weight", [c.HiddenSize, c.IntermediateSize]);
        }
        yield return ("model.norm.weight", [c.HiddenSize]);
        if (!c.TieWordEmbeddings)
        {
            yield return ("lm_head.weight", [c.VocabSize, c.HiddenSize]);
        }
    }
}
