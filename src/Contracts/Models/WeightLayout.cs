namespace FineTune.Contracts.Models;

/// <summary>
/// Every tensor a Llama/Qwen2/Mistral checkpoint holds for a <see cref="ModelConfig"/>, with its shape, in the order
/// Hugging Face writes them. The one table of names and shapes: the loader checks a checkpoint against it, the writers
/// (merged model, random model) write it, and the model catalog counts parameters from it. With C the hidden size,
/// I the MLP width, V the vocabulary, q = heads x head_dim and kv = key/value heads x head_dim:
/// <code>
///   model.embed_tokens.weight                  [V, C]
///   model.layers.N.input_layernorm.weight      [C]
///   model.layers.N.self_attn.{q,k,v}_proj      weight [q|kv|kv, C], bias [q|kv|kv] when AttentionBias (Qwen2)
///   model.layers.N.self_attn.o_proj.weight     [C, q]
///   model.layers.N.post_attention_layernorm    [C]
///   model.layers.N.mlp.{gate,up}_proj.weight   [I, C];  mlp.down_proj.weight [C, I]
///   model.norm.weight                          [C]
///   lm_head.weight                             [V, C], absent when TieWordEmbeddings (the embedding is reused)
/// </code>
/// </summary>
public sealed class WeightLayout
{
    /// <summary>The token embedding (also the output head when the embeddings are tied).</summary>
    public const string EmbeddingName = "model.embed_tokens.weight";

    /// <summary>The output head of an untied model.</summary>
    public const string OutputHeadName = "lm_head.weight";

    /// <summary>The final RMSNorm.</summary>
    public const string FinalNormName = "model.norm.weight";

    private readonly Dictionary<string, WeightTensor> _byName;

    private WeightLayout(ModelConfig config, IReadOnlyList<WeightTensor> tensors)
    {
        Config = config;
        Tensors = tensors;
        _byName = tensors.ToDictionary(tensor => tensor.Name, StringComparer.Ordinal);
        ParameterCount = tensors.Sum(tensor => tensor.ElementCount);
    }

    /// <summary>The configuration the layout was derived from.</summary>
    public ModelConfig Config { get; }

    /// <summary>Every tensor, in Hugging Face's order.</summary>
    public IReadOnlyList<WeightTensor> Tensors { get; }

    /// <summary>Base parameters: the elements of every tensor (a tied embedding counted once).</summary>
    public long ParameterCount { get; }

    /// <summary>The layout of a checkpoint of <paramref name="config"/>.</summary>
    public static WeightLayout Of(ModelConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new WeightLayout(config, Enumerate(config).ToList());
    }

    /// <summary>The prefix of every tensor of block <paramref name="layer"/>, e.g. <c>model.layers.3.</c>.</summary>
    public static string LayerPrefix(int layer) => $"model.layers.{layer}.";

    /// <summary>Whether the checkpoint holds a tensor called <paramref name="name"/>.</summary>
    public bool Contains(string name) => _byName.ContainsKey(name);

    /// <summary>The tensor called <paramref name="name"/>.</summary>
    /// <exception cref="KeyNotFoundException">A name this family does not have (a bug in the caller).</exception>
    public WeightTensor this[string name] => _byName.TryGetValue(name, out WeightTensor? tensor)
        ? tensor
        : throw new KeyNotFoundException($"a {Config.ModelType} checkpoint has no tensor '{name}'");

    private static IEnumerable<WeightTensor> Enumerate(ModelConfig c)
    {
        long hidden = c.HiddenSize, mlp = c.IntermediateSize, vocab = c.VocabSize;
        long query = (long)c.NumHeads * c.HeadDim, keyValue = (long)c.NumKeyValueHeads * c.HeadDim;
        yield return new(EmbeddingName, [vocab, hidden]);
        for (int i = 0; i < c.NumLayers; i++)
        {
            string p = LayerPrefix(i);
            yield return new(p + "input_layernorm.weight", [hidden]);
            yield return new(p + "self_attn.q_proj.weight", [query, hidden]);
            yield return new(p + "self_attn.k_proj.weight", [keyValue, hidden]);
            yield return new(p + "self_attn.v_proj.weight", [keyValue, hidden]);
            if (c.AttentionBias)
            {
                yield return new(p + "self_attn.q_proj.bias", [query]);
                yield return new(p + "self_attn.k_proj.bias", [keyValue]);
                yield return new(p + "self_attn.v_proj.bias", [keyValue]);
            }
            yield return new(p + "self_attn.o_proj.weight", [hidden, query]);
            yield return new(p + "post_attention_layernorm.weight", [hidden]);
            yield return new(p + "mlp.gate_proj.weight", [mlp, hidden]);
            yield return new(p + "mlp.up_proj.weight", [mlp, hidden]);
            yield return new(p + "mlp.down_proj.weight", [hidden, mlp]);
        }
        yield return new(FinalNormName, [hidden]);
        if (!c.TieWordEmbeddings)
        {
            yield return new(OutputHeadName, [vocab, hidden]);
        }
    }
}
