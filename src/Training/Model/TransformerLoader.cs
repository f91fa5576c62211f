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
        long c = config.HiddenSize, kvWidth = (long)config.NumKeyValueHeads * config.HeadDim, qWidth = (long)config.NumHeads * config.HeadDim;
        const string Embed = "model.embed_tokens.weight", Head = "lm_head.weight";
        bool hasEmbed = weights.Has(Embed);
        Tensor embedding = weights.Get(hasEmbed || !config.TieWordEmbeddings ? Embed : Head, config.VocabSize, c);
        Tensor? lmHead = config.TieWordEmbeddings ? null : weights.Get(Head, config.VocabSize, c);
        var blocks = new Block[config.NumLayers];
        for (int i = 0; i < config.NumLayers; i++)
        {
            string p = $"model.layers.{i}.";
            Linear Proj(string name, long outWidth, long inWidth, bool bias) =>
                new(p + name, weights.Get(p + name + ".weight", outWidth, inWidth), bias ? weights.Get(p + name + ".bias", outWidth) : null);
            var attention = new Attention(
                config,
                Proj("self_attn.q_proj", qWidth, c, config.AttentionBias),
                Proj("self_attn.k_proj", kvWidth, c, config.AttentionBias),
                Proj("self_attn.v_proj", kvWidth, c, config.AttentionBias),
                Proj("self_attn.o_proj", c, qWidth, false));
            var mlp = new Mlp(
                Proj("mlp.gate_proj", config.IntermediateSize, c, false),
                Proj("mlp.up_proj", config.IntermediateSize, c, false),
                Proj("mlp.down_proj", c, config.IntermediateSize, false));
            blocks[i] = new Block(
                new RmsNorm(weights.Get(p + "input_layernorm.weight", c), config.RmsNormEps),
                attention,
                new RmsNorm(weights.Get(p + "post_attention_layernorm.weight", c), config.RmsNormEps),
                mlp);
        }
        var norm = new RmsNorm(weights.Get("model.norm.weight", c), config.RmsNormEps);
        return new Transformer(config, embedding, blocks, norm, lmHead) { ParameterCount = weights.ParameterCount };
    }

    /// <summary>Reads, checks and converts weights one by one, remembering them so a failure frees them all.</summary>
    private sealed class WeightReader(SafetensorsCheckpoint checkpoint, ModelConfig config, ScalarType dtype, Device device, string folder)
    {
        private readonly List<Tensor> _loaded = new();

        public long ParameterCount { get; private set; }

        public bool Has(string name) => checkpoint.TryGetTensor(name, out _, out _);

        public Tensor Get(string name, params long[] shape)
        {
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
