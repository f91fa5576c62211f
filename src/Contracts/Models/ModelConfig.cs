using System.Text.Json;

namespace FineTune.Contracts.Models;

/// <summary>
/// The architecture of a Llama-family model, read from a Hugging Face <c>config.json</c>. Families: <c>llama</c>
/// (Llama 2/3, TinyLlama, SmolLM, llama2.c exports), <c>qwen2</c> (bias on q/k/v) and <c>mistral</c>.
/// </summary>
public sealed record ModelConfig
{
    /// <summary>Model families this loader understands, as written in <c>model_type</c>.</summary>
    public static readonly IReadOnlyList<string> SupportedModelTypes = ["llama", "qwen2", "mistral"];

    /// <summary><c>model_type</c>: llama, qwen2 or mistral.</summary>
    public required string ModelType { get; init; }

    /// <summary>Width of the residual stream (C).</summary>
    public required int HiddenSize { get; init; }

    /// <summary>Width of the MLP's hidden layer.</summary>
    public required int IntermediateSize { get; init; }

    /// <summary>Number of transformer blocks.</summary>
    public required int NumLayers { get; init; }

    /// <summary>Query heads (nh).</summary>
    public required int NumHeads { get; init; }

    /// <summary>Key/value heads (nkv); fewer than NumHeads means grouped-query attention.</summary>
    public required int NumKeyValueHeads { get; init; }

    /// <summary>Width of one head (hs); HiddenSize / NumHeads unless the config says otherwise.</summary>
    public required int HeadDim { get; init; }

    /// <summary>Vocabulary size (V).</summary>
    public required int VocabSize { get; init; }

    /// <summary>RMSNorm epsilon.</summary>
    public double RmsNormEps { get; init; } = 1e-6;

    /// <summary>RoPE base frequency.</summary>
    public double RopeTheta { get; init; } = 10000;

    /// <summary>RoPE scaling (linear or llama3), or null.</summary>
    public RopeScaling? RopeScaling { get; init; }

    /// <summary>Longest position the model was trained for.</summary>
    public int MaxPositionEmbeddings { get; init; } = 2048;

    /// <summary>Whether the output head reuses the embedding matrix.</summary>
    public bool TieWordEmbeddings { get; init; }

    /// <summary>Whether q/k/v projections have biases (always for qwen2; <c>attention_bias</c> otherwise).</summary>
    public bool AttentionBias { get; init; }

    /// <summary>Beginning-of-sequence token id, when the config names one.</summary>
    public int? BosTokenId { get; init; }

    /// <summary>End-of-sequence token ids (some configs list several).</summary>
    public IReadOnlyList<int> EosTokenIds { get; init; } = [];

    /// <summary>Parses a <c>config.json</c> file; unknown families and missing fields are errors naming them.</summary>
    public static ModelConfig FromFile(string path)
    {
        using JsonDocument document = JsonDocument.Parse(File.ReadAllText(path));
        return FromJson(document.RootElement, path);
    }

    /// <summary>Parses the JSON of a <c>config.json</c>; <paramref name="source"/> names it in errors.</summary>
    public static ModelConfig FromJson(JsonElement json, string source)
    {
        string modelType = json.TryGetProperty("model_type", out JsonElement type) ? type.GetString() ?? "" : "";
        if (!SupportedModelTypes.Contains(modelType))
        {
            throw new ModelFormatException($"{source}: unsupported model_type '{modelType}'; supported: {string.Join(", ", SupportedModelTypes)}");
        }
        int hidden = RequiredInt(json, "hidden_size", source);
        int heads = RequiredInt(json, "num_attention_heads", source);
        var config = new ModelConfig
        {
            ModelType = modelType,
            HiddenSize = hidden,
            IntermediateSize = RequiredInt(json, "intermediate_size", source),
            NumLayers = RequiredInt(json, "num_hidden_layers", source),
            NumHeads = heads,
            NumKeyValueHeads = OptionalInt(json, "num_key_value_heads") ?? heads,
            HeadDim = OptionalInt(json, "head_dim") ?? hidden / heads,
            VocabSize = RequiredInt(json, "vocab_size", source),
            RmsNormEps = OptionalDouble(json, "rms_norm_eps") ?? 1e-6,
            RopeTheta = OptionalDouble(json, "rope_theta") ?? 10000,
            RopeScaling = json.TryGetProperty("rope_scaling", out JsonElement scaling) ? RopeScaling.FromJson(scaling, source) : null,
            MaxPositionEmbeddings = OptionalInt(json, "max_position_embeddings") ?? 2048,
            TieWordEmbeddings = json.TryGetProperty("tie_word_embeddings", out JsonElement tie) && tie.ValueKind == JsonValueKind.True,
            AttentionBias = modelType == "qwen2" || (json.TryGetProperty("attention_bias", out JsonElement bias) && bias.ValueKind == JsonValueKind.True),
            BosTokenId = OptionalInt(json, "bos_token_id"),
            EosTokenIds = EosIds(json),
        };
        config.Validate(source);
        return config;
    }

    private void Validate(string source)
    {
        if (HiddenSize <= 0 || NumHeads <= 0 || NumLayers <= 0 || VocabSize <= 0 || HeadDim <= 0 || IntermediateSize <= 0)
        {
            throw new ModelFormatException($"{source}: sizes must be positive");
        }
        if (NumKeyValueHeads <= 0 || NumHeads % NumKeyValueHeads != 0)
        {
            throw new ModelFormatException($"{source}: num_attention_heads ({NumHeads}) must be a multiple of num_key_value_heads ({NumKeyValueHeads})");
        }
        if (HeadDim % 2 != 0)
        {
            throw new ModelFormatException($"{source}: head_dim ({HeadDim}) must be even for rotary embeddings");
        }
    }

    private static int RequiredInt(JsonElement json, string name, string source)
    {
        return OptionalInt(json, name) ?? throw new ModelFormatException($"{source}: missing integer field '{name}'");
    }

    private static int? OptionalInt(JsonElement json, string name)
    {
        return json.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetInt32() : null;
    }

    private static double? OptionalDouble(JsonElement json, string name)
    {
        return json.TryGetProperty(name, out JsonElement value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
    }

    private static int[] EosIds(JsonElement json)
    {
        if (!json.TryGetProperty("eos_token_id", out JsonElement eos))
        {
            return [];
        }
        return eos.ValueKind switch
        {
            JsonValueKind.Number => [eos.GetInt32()],
            JsonValueKind.Array => eos.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Number).Select(e => e.GetInt32()).ToArray(),
            _ => [],
        };
    }
}
