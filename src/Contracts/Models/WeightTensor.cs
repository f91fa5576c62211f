namespace FineTune.Contracts.Models;

/// <summary>One tensor of a Hugging Face checkpoint: its name in the safetensors file and its shape.</summary>
/// <param name="Name">The tensor's name, e.g. <c>model.layers.0.self_attn.q_proj.weight</c>.</param>
/// <param name="Shape">Its dimensions, outermost first (a linear layer's weight is [out, in]).</param>
public sealed record WeightTensor(string Name, IReadOnlyList<long> Shape)
{
    /// <summary>The number of elements: the product of the dimensions.</summary>
    public long ElementCount => Shape.Aggregate(1L, (product, dimension) => product * dimension);
}
