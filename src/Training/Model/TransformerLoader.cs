using FineTune.Contracts.Models;
using FineTune.Torch;
using FineTune.Torch.Safetensors;

namespace FineTune.Training.Model;

/// <summary>
/// Loads a Hugging Face model folder (<c>config.json</c> + <c>model.safetensors</c> or a sharded index) into a
/// <see cref="Transformer"/>, converting weights to the requested dtype and device. Tied embeddings work whether the
/// file stores <c>model.embed_tokens.weight</c>, or only <c>lm_head.weight</c> (with or without a metadata alias).
/// </summary>
public static class TransformerLoader
{
    /// <summary>Loads the model in <paramref name="folder"/>; a missing tensor or wrong shape is an error naming it.</summary>
    public static Transformer Load(string folder, ScalarType dtype = ScalarType.Float32, Device? device = null)
    {
        string configPath = Path.Combine(folder, "config.json");
        if (!File.Exists(configPath))
        {
            throw new ModelFormatException($"{folder} is not a model folder: config.json is missing");
        }
        ModelConfig config = ModelConfig.FromFile(configPath);
        using SafetensorsCheckpoint checkpoint = SafetensorsCheckpoint.Open(folder);
        var weights = new WeightReader(checkpoint, config, dtype, device ?? Device.CPU, folder);
        try
        {
            return Build(config, weights);
        }
        catch
        {
            weights.DisposeLoaded();
            throw;
        }
    }

    private static Transformer Build(ModelConfig config, WeightReader weights)
    {
        WeightLayout layout = weights.Layout;
        // A tied model may store the shared matrix only under the head's name; it is still the embedding's shape.
        bool embeddingUnderHeadName = config.TieWordEmbeddings && !weights.Has(WeightLayout.EmbeddingName);
        Tensor embedding = weights.Get(embeddingUnderHeadName ? WeightLayout.OutputHeadName : WeightLayout.EmbeddingName, layout[WeightLayout.EmbeddingName]);
        Tensor? lmHead = layout.Contains(WeightLayout.OutputHeadName) ? weights.Get(WeightLayout.OutputHeadName) : null;
        var blocks = new Block[config.NumLayers];
        for (int i = 0; i < config.NumLayers; i++)
        {
            string p = WeightLayout.LayerPrefix(i);
            Linear Proj(string name) =>
                new(p + name, weights.Get(p + name + ".weight"), layout.Contains(p + name + ".bias") ? weights.Get(p + name + ".bias") : null);
            var attention = new Attention(config, Proj("self_attn.q_proj"), Proj("self_attn.k_proj"), Proj("self_attn.v_proj"), Proj("self_attn.o_proj"));
            var mlp = new Mlp(Proj("mlp.gate_proj"), Proj("mlp.up_proj"), Proj("mlp.down_proj"));
            blocks[i] = new Block(
                new RmsNorm(weights.Get(p + "input_layernorm.weight"), config.RmsNormEps),
                attention,
                new RmsNorm(weights.Get(p + "post_attention_layernorm.weight"), config.RmsNormEps),
                mlp);
        }
        var norm = new RmsNorm(weights.Get(WeightLayout.FinalNormName), config.RmsNormEps);
        return new Transformer(config, embedding, blocks, norm, lmHead) { ParameterCount = weights.ParameterCount };
    }

    /// <summary>Reads, checks and converts weights one by one, remembering them so a failure frees them all.</summary>
    private sealed class WeightReader(SafetensorsCheckpoint checkpoint, ModelConfig config, ScalarType dtype, Device device, string folder)
    {
        private readonly List<Tensor> _loaded = new();

        /// <summary>The names and shapes <c>config.json</c> implies.</summary>
        public WeightLayout Layout { get; } = WeightLayout.Of(config);

        public long ParameterCount { get; private set; }

        public bool Has(string name) => checkpoint.TryGetTensor(name, out _, out _);

        /// <summary>The tensor <paramref name="name"/> of the layout, checked against its shape.</summary>
        public Tensor Get(string name) => Get(name, Layout[name]);

        /// <summary>The tensor stored as <paramref name="name"/>, which must have the shape of <paramref name="expected"/>.</summary>
        public Tensor Get(string name, WeightTensor expected)
        {
            IReadOnlyList<long> shape = expected.Shape;
            if (!Has(name))
            {
                throw new ModelFormatException($"{folder}: the weights lack tensor '{name}', which a {config.ModelType} model with this config.json needs");
            }
            SafetensorsTensorInfo info = checkpoint.GetInfo(name);
            if (!info.Shape.SequenceEqual(shape))
            {
                throw new ModelFormatException($"{folder}: tensor '{name}' has shape [{string.Join(", ", info.Shape)}] but config.json implies [{string.Join(", ", shape)}]");
            }
            using Tensor raw = checkpoint.LoadTensor(name);
            Tensor converted = TensorScope.TakeOwnership(raw.to(dtype, device, copy: true));
            _loaded.Add(converted);
            ParameterCount += info.ElementCount;
            return converted;
        }

        public void DisposeLoaded()
        {
            foreach (Tensor tensor in _loaded)
            {
                tensor.Dispose();
            }
        }
    }
}
