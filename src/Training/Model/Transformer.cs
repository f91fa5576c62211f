using FineTune.Contracts.Models;
using FineTune.Torch;
using F = FineTune.Torch.torch.nn.functional;

namespace FineTune.Training.Model;

// Transformer.cs — the whole forward pass of a Llama-family decoder (Llama 2/3, Qwen2, Mistral), nanoGPT-style:
// modules bottom-up (RMSNorm, rotary embedding, attention, MLP, block, model), shapes annotated. It is the inference
// and training forward only: loading lives in TransformerLoader, adapters in Lora/, sampling in Generation/.
// References: Llama (Touvron et al. 2023), RoPE (Su et al. 2021; Hugging Face's rotate-half layout), GQA (Ainslie et
// al. 2023), SwiGLU (Shazeer 2020). Shapes: B batch, T new positions, S = T_past + T, C hidden, nh query heads,
// nkv key/value heads, hs head size, V vocabulary.

/// <summary>x / sqrt(mean(x²) + eps) · weight, computed in float32 as Hugging Face does (float64 stays float64).</summary>
internal sealed class RmsNorm(Tensor weight, double eps) : IDisposable
{
    public Tensor Weight { get; } = weight;

    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Begin();
        Tensor x32 = x.dtype == ScalarType.Float64 ? x : x.to(ScalarType.Float32);
        Tensor variance = x32.square().mean([-1], keepdim: true);     // (B, T, 1)
        Tensor normalized = x32.mul(variance.add(eps).rsqrt()).to(x.dtype);
        return scope.MoveToOuter(normalized.mul(Weight));
    }

    public void Dispose() => Weight.Dispose();
}

/// <summary>Rotary position embedding in the rotate-half layout; cos/sin tables grow on demand.</summary>
internal sealed class RotaryEmbedding(ModelConfig config) : IDisposable
{
    private Tensor? _cos;
    private Tensor? _sin;

    /// <summary>cos and sin for positions [start, start + length), each (length, hs); new tensors.</summary>
    public (Tensor cos, Tensor sin) Get(long start, long length, ScalarType dtype, Device device)
    {
        long needed = start + length;
        if (_cos is null || _cos.size(0) < needed || _cos.dtype != dtype || _cos.device != device)
        {
            Build(Math.Max(needed, Math.Min(config.MaxPositionEmbeddings, 4096)), dtype, device);
        }
        return (_cos!.narrow(0, start, length), _sin!.narrow(0, start, length));
    }

    private void Build(long positions, ScalarType dtype, Device device)
    {
        int half = config.HeadDim / 2;
        double[] inverse = Enumerable.Range(0, half).Select(i => 1.0 / Math.Pow(config.RopeTheta, 2.0 * i / config.HeadDim)).ToArray();
        inverse = config.RopeScaling?.Apply(inverse) ?? inverse;
        double[] cos = new double[positions * config.HeadDim];
        double[] sin = new double[positions * config.HeadDim];
        for (long p = 0; p < positions; p++)
        {
            for (int i = 0; i < half; i++)
            {
                double angle = p * inverse[i];
                long row = p * config.HeadDim;
                cos[row + i] = cos[row + i + half] = Math.Cos(angle);
                sin[row + i] = sin[row + i + half] = Math.Sin(angle);
            }
        }
        Dispose();
        using var scope = TensorScope.Begin();
        _cos = TensorScope.TakeOwnership(torch.tensor(cos, [positions, config.HeadDim]).to(dtype, device, copy: true));
        _sin = TensorScope.TakeOwnership(torch.tensor(sin, [positions, config.HeadDim]).to(dtype, device, copy: true));
    }

    /// <summary>x·cos + rotate_half(x)·sin for x (B, heads, T, hs).</summary>
    public static Tensor Apply(Tensor x, Tensor cos, Tensor sin)
    {
        using var scope = TensorScope.Begin();
        Tensor[] halves = x.chunk(2, -1);                              // 2 × (B, heads, T, hs/2)
        Tensor rotated = torch.cat([halves[1].neg(), halves[0]], -1);  // (B, heads, T, hs)
        return scope.MoveToOuter(x.mul(cos).add(rotated.mul(sin)));
    }

    public void Dispose()
    {
        _cos?.Dispose();
        _sin?.Dispose();
    }
}

/// <summary>Causal self-attention with grouped-query heads and an optional KV cache.</summary>
internal sealed class Attention(ModelConfig config, Linear q, Linear k, Linear v, Linear o) : IDisposable
{
    public Linear Q { get; } = q;
    public Linear K { get; } = k;
    public Linear V { get; } = v;
    public Linear O { get; } = o;

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, KvCache? cache, int layer, Tensor? mask, PackedAttention? packing)
    {
        using var scope = TensorScope.Begin();
        long b = x.size(0), t = x.size(1);
        int nh = config.NumHeads, nkv = config.NumKeyValueHeads, hs = config.HeadDim;
        Tensor query = Q.Forward(x).view(b, t, nh, hs).transpose(1, 2);  // (B, nh, T, hs)
        Tensor key = K.Forward(x).view(b, t, nkv, hs).transpose(1, 2);    // (B, nkv, T, hs)
        Tensor value = V.Forward(x).view(b, t, nkv, hs).transpose(1, 2);  // (B, nkv, T, hs)
        query = RotaryEmbedding.Apply(query, cos, sin);
        key = RotaryEmbedding.Apply(key, cos, sin);
        if (packing is not null)
        {
            return scope.MoveToOuter(O.Forward(packing.Attend(query, key, value))); // (B, T, C)
        }
        if (cache is not null)
        {
            (key, value) = cache.Append(layer, key, value);                 // (B, nkv, S, hs)
        }
        // Without a mask the kernel reads each key/value head once for its query heads (as Hugging Face does on
        // torch >= 2.5); a mask is laid out per query head, so then k and v are repeated to nh heads.
        bool grouped = nkv != nh && mask is null;
        if (nkv != nh && !grouped)
        {
            key = key.repeat_interleave(nh / nkv, 1);                      // (B, nh, S, hs)
            value = value.repeat_interleave(nh / nkv, 1);
        }
        bool causal = mask is null && t > 1;
        Tensor y = F.scaled_dot_product_attention(query, key, value, mask, isCausal: causal, enableGqa: grouped); // (B, nh, T, hs)
        y = y.transpose(1, 2).contiguous().view(b, t, nh * hs);           // (B, T, C)
        return scope.MoveToOuter(O.Forward(y));
    }

    public void Dispose()
    {
        Q.Dispose();
        K.Dispose();
        V.Dispose();
        O.Dispose();
    }
}

/// <summary>SwiGLU MLP: down(silu(gate(x)) · up(x)).</summary>
internal sealed class Mlp(Linear gate, Linear up, Linear down) : IDisposable
{
    public Linear Gate { get; } = gate;
    public Linear Up { get; } = up;
    public Linear Down { get; } = down;

    public Tensor Forward(Tensor x)
    {
        using var scope = TensorScope.Begin();
        Tensor hidden = Gate.Forward(x).silu().mul(Up.Forward(x));       // (B, T, intermediate)
        return scope.MoveToOuter(Down.Forward(hidden));                  // (B, T, C)
    }

    public void Dispose()
    {
        Gate.Dispose();
        Up.Dispose();
        Down.Dispose();
    }
}

/// <summary>Pre-norm residual block.</summary>
internal sealed class Block(RmsNorm attentionNorm, Attention attention, RmsNorm mlpNorm, Mlp mlp) : IDisposable
{
    public RmsNorm AttentionNorm { get; } = attentionNorm;
    public Attention Attention { get; } = attention;
    public RmsNorm MlpNorm { get; } = mlpNorm;
    public Mlp Mlp { get; } = mlp;

    public Tensor Forward(Tensor x, Tensor cos, Tensor sin, KvCache? cache, int layer, Tensor? mask, PackedAttention? packing)
    {
        using var scope = TensorScope.Begin();
        x = x.add(Attention.Forward(AttentionNorm.Forward(x), cos, sin, cache, layer, mask, packing));
        x = x.add(Mlp.Forward(MlpNorm.Forward(x)));
        return scope.MoveToOuter(x);
    }

    public void Dispose()
    {
        AttentionNorm.Dispose();
        Attention.Dispose();
        MlpNorm.Dispose();
        Mlp.Dispose();
    }
}

/// <summary>
/// A Llama-family causal language model. Owns its weights (disposed with it); frozen unless an adapter trains.
/// Create with <see cref="TransformerLoader"/>.
/// </summary>
public sealed partial class Transformer : IDisposable
{
    private readonly Tensor _embedding;
    private readonly Block[] _blocks;
    private readonly RmsNorm _finalNorm;
    private readonly Tensor? _lmHead;
    private readonly RotaryEmbedding _rotary;

    internal Transformer(ModelConfig config, Tensor embedding, Block[] blocks, RmsNorm finalNorm, Tensor? lmHead)
    {
        Config = config;
        _embedding = embedding;
        _blocks = blocks;
        _finalNorm = finalNorm;
        _lmHead = lmHead;
        _rotary = new RotaryEmbedding(config);
    }

    /// <summary>The architecture.</summary>
    public ModelConfig Config { get; }

    /// <summary>The device holding the weights; token ids, masks and positions fed to the model must be on it.</summary>
    public Device Device => _embedding.device;

    /// <summary>The dtype of the base weights (bf16, f16, f32 or f64).</summary>
    public ScalarType DType => _embedding.dtype;

    /// <summary>Every linear layer by its Hugging Face module path (where LoRA adapters attach).</summary>
    public IEnumerable<Linear> Linears => _blocks.SelectMany(b => new[] { b.Attention.Q, b.Attention.K, b.Attention.V, b.Attention.O, b.Mlp.Gate, b.Mlp.Up, b.Mlp.Down });

    /// <summary>Every base weight by its Hugging Face name, as stored in model.safetensors (borrowed tensors).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> NamedWeights()
    {
        yield return KeyValuePair.Create("model.embed_tokens.weight", _embedding);
        for (int i = 0; i < _blocks.Length; i++)
        {
            string p = $"model.layers.{i}.";
            yield return KeyValuePair.Create(p + "input_layernorm.weight", _blocks[i].AttentionNorm.Weight);
            yield return KeyValuePair.Create(p + "post_attention_layernorm.weight", _blocks[i].MlpNorm.Weight);
            foreach (Linear linear in new[] { _blocks[i].Attention.Q, _blocks[i].Attention.K, _blocks[i].Attention.V, _blocks[i].Attention.O, _blocks[i].Mlp.Gate, _blocks[i].Mlp.Up, _blocks[i].Mlp.Down })
            {
                yield return KeyValuePair.Create(linear.Name + ".weight", linear.Weight);
                if (linear.Bias is not null)
                {
                    yield return KeyValuePair.Create(linear.Name + ".bias", linear.Bias);
                }
            }
        }
        yield return KeyValuePair.Create("model.norm.weight", _finalNorm.Weight);
        if (_lmHead is not null)
        {
            yield return KeyValuePair.Create("lm_head.weight", _lmHead);
        }
    }

    /// <summary>Number of base parameters, counting a tied matrix once.</summary>
    public long ParameterCount { get; internal set; }

    /// <summary>
    /// Logits (B, T, V) for token ids (B, T); with a cache, T new positions follow the cached ones. With
    /// <paramref name="packing"/> (rows that pack several examples; not with a cache) each example attends causally
    /// to itself only, so packed examples never see each other.
    /// </summary>
    public Tensor Forward(Tensor inputIds, KvCache? cache = null, PackedAttention? packing = null)
    {
        using var scope = TensorScope.Begin();
        Tensor hidden = ForwardHidden(inputIds, cache, packing);                           // (B, T, C)
        return scope.MoveToOuter(F.linear(hidden, OutputWeight));                          // (B, T, V)
    }

    /// <summary>
    /// The output head's weight (V, C): lm_head, or the embedding when they are tied. Borrowed; frozen under LoRA.
    /// </summary>
    public Tensor OutputWeight => _lmHead ?? _embedding;

    /// <summary>
    /// The final-norm hidden states (B, T, C) that <see cref="Forward"/> multiplies by <see cref="OutputWeight"/>ᵀ;
    /// the trainer's loss takes them so the (B, T, V) logits are never whole (<c>ChunkedCrossEntropy</c>).
    /// </summary>
    public Tensor ForwardHidden(Tensor inputIds, KvCache? cache = null, PackedAttention? packing = null)
    {
        ArgumentNullException.ThrowIfNull(inputIds);
        if (cache is not null && packing is not null)
        {
            throw new ArgumentException("packed rows are for training: they cannot extend a KV cache", nameof(packing));
        }
        using var scope = TensorScope.Begin();
        long t = inputIds.size(1);
        long past = cache?.Length ?? 0;
        Tensor x = F.embedding(inputIds, _embedding);                                      // (B, T, C)
        var (cos, sin) = _rotary.Get(past, t, x.dtype, x.device);                           // (T, hs)
        // A cache with several new positions needs the causal mask shifted by T_past; SDPA's own is top-left.
        Tensor? mask = past > 0 && t > 1 ? torch.ones([t, past + t], ScalarType.Bool, x.device).tril(past) : null; // (T, S)
        for (int i = 0; i < _blocks.Length; i++)
        {
            x = _blocks[i].Forward(x, cos, sin, cache, i, mask, packing);
        }
        return scope.MoveToOuter(_finalNorm.Forward(x));                                  // (B, T, C)
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _rotary.Dispose();
        foreach (Block block in _blocks.Reverse())
        {
            block.Dispose();
        }
        _finalNorm.Dispose();
        _lmHead?.Dispose();
        _embedding.Dispose();
    }
}
