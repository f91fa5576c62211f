namespace FineTune.Contracts.Backends;

/// <summary>
/// The dtype of a model's frozen base weights as a job names it (<c>f32</c>, <c>bf16</c>, <c>f16</c>); the libtorch
/// backend maps it onto its tensor dtype, so this contract needs no libtorch.
/// </summary>
public enum WeightDType
{
    /// <summary>32-bit float (<c>f32</c>).</summary>
    Float32,

    /// <summary>bfloat16 (<c>bf16</c>).</summary>
    BFloat16,

    /// <summary>IEEE half precision (<c>f16</c>).</summary>
    Float16,
}
