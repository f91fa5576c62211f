using FineTune.Torch;

namespace FineTune.Training.Model;

/// <summary>
/// y = x Wᵀ + b, plus an optional adapter's term. The base weight and bias are frozen inputs owned by this layer;
/// the adapter (LoRA) is owned by whoever attached it.
/// </summary>
public sealed class Linear : IDisposable
{
    /// <summary>Creates a layer that takes ownership of its weight (out, in) and optional bias (out).</summary>
    public Linear(string name, Tensor weight, Tensor? bias)
    {
        Name = name;
        Weight = weight;
        Bias = bias;
    }

    /// <summary>The Hugging Face module path, e.g. <c>model.layers.0.self_attn.q_proj</c>.</summary>
    public string Name { get; }

    /// <summary>Weight (out_features, in_features).</summary>
    public Tensor Weight { get; }

    /// <summary>Bias (out_features), or null.</summary>
    public Tensor? Bias { get; }

    /// <summary>Input width.</summary>
    public long InFeatures => Weight.size(1);

    /// <summary>Output width.</summary>
    public long OutFeatures => Weight.size(0);

    /// <summary>The attached adapter, or null.</summary>
    public ILinearAdapter? Adapter { get; set; }

    /// <summary>x (…, in) → (…, out).</summary>
    public Tensor Forward(Tensor input)
    {
        Tensor output = torch.nn.functional.linear(input, Weight, Bias);
        if (Adapter is null)
        {
            return output;
        }
        // In place: no second (…, out) tensor, and a float32 term beside a bf16 output is summed in float32 and rounded
        // once, as PEFT's result + lora_B(lora_A(x)) · s and its cast back do (casting the term first rounds twice).
        using Tensor delta = Adapter.Forward(input);
        output.add_(delta).Dispose();
        return output;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Weight.Dispose();
        Bias?.Dispose();
    }
}
