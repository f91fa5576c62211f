using System.Text.Json.Nodes;

namespace FineTune.Cli.Models;

/// <summary>
/// Published shapes of popular models (from their Hugging Face config.json files), so throughput can be measured on
/// random weights without a download. <c>tiny</c> is a 2-layer toy for smoke tests.
/// </summary>
internal static class ModelPresets
{
    public static readonly IReadOnlyList<string> Names = ["tiny", "llama-30m", "qwen2.5-0.5b", "llama-3.2-1b", "llama-3.1-8b"];

    /// <summary>The config.json of a preset, and which shared tokenizer it uses.</summary>
    public static (JsonObject Config, string Tokenizer) Get(string name)
    {
        return name switch
        {
            "tiny" => (Llama(hidden: 64, intermediate: 172, layers: 2, heads: 4, kvHeads: 2, vocab: 2048, ropeTheta: 10000, rmsEps: 1e-5, tied: true, maxPositions: 512), "tinystories"),
            "llama-30m" => (Llama(hidden: 512, intermediate: 1408, layers: 8, heads: 8, kvHeads: 8, vocab: 2048, ropeTheta: 10000, rmsEps: 1e-5, tied: true, maxPositions: 2048), "tinystories"),
            "qwen2.5-0.5b" => (Qwen2(), "qwen3"),
            "llama-3.2-1b" => (WithLlama3Rope(Llama(2048, 8192, 16, 32, 8, 128256, 500000, 1e-5, tied: true, maxPositions: 131072), factor: 32), "llama3"),
            "llama-3.1-8b" => (WithLlama3Rope(Llama(4096, 14336, 32, 32, 8, 128256, 500000, 1e-5, tied: false, maxPositions: 131072), factor: 8), "llama3"),
            _ => throw new ArgumentException($"--config '{name}' is not one of {string.Join(", ", Names)}"),
        };
    }

    private static JsonObject Llama(int hidden, int intermediate, int layers, int heads, int kvHeads, int vocab, double ropeTheta, double rmsEps, bool tied, int maxPositions)
    {
        return new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["hidden_size"] = hidden,
            ["intermediate_size"] = intermediate,
            ["num_hidden_layers"] = layers,
            ["num_attention_heads"] = heads,
            ["num_key_value_heads"] = kvHeads,
            ["vocab_size"] = vocab,
            ["rope_theta"] = ropeTheta,
            ["rms_norm_eps"] = rmsEps,
            ["tie_word_embeddings"] = tied,
            ["max_position_embeddings"] = maxPositions,
            ["hidden_act"] = "silu",
            ["bos_token_id"] = 1,
            ["eos_token_id"] = 2,
            ["torch_dtype"] = "float32",
        };
    }

    private static JsonObject WithLlama3Rope(JsonObject config, double factor)
    {
        config["rope_scaling"] = new JsonObject
        {
            ["rope_type"] = "llama3",
            ["factor"] = factor,
            ["low_freq_factor"] = 1.0,
            ["high_freq_factor"] = 4.0,
            ["original_max_position_embeddings"] = 8192,
        };
        config["bos_token_id"] = 128000;
        config["eos_token_id"] = 128001;
        return config;
    }

    private static JsonObject Qwen2()
    {
        JsonObject config = Llama(896, 4864, 24, 14, 2, 151936, 1000000, 1e-6, tied: true, maxPositions: 32768);
        config["architectures"] = new JsonArray("Qwen2ForCausalLM");
        config["model_type"] = "qwen2";
        config["bos_token_id"] = 151643;
        config["eos_token_id"] = 151643;
        return config;
    }
}
