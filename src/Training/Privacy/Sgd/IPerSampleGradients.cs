using FineTune.Torch;

namespace FineTune.Training.Privacy.Sgd;

/// <summary>
/// The per-sample gradients of one micro-batch, read in two passes so that they are never all held at once: first each
/// sample's whole-gradient norm, then a weighted sum over samples (the clipped sum, once the norms gave the weights).
/// Memory stays at one parameter's per-sample gradients instead of every sample's copy of every parameter, which for
/// packed rows of short records (hundreds of samples a micro-batch) would be gigabytes.
/// </summary>
public interface IPerSampleGradients
{
    /// <summary>U, the number of samples.</summary>
    public int SampleCount { get; }

    /// <summary>(U) float32: the L2 norm of each sample's gradient over every parameter. A new tensor the caller owns.</summary>
    public Tensor Norms();

    /// <summary>
    /// Adds Σ_u weights[u] · g_u to <paramref name="flatSum"/> (P float32, every parameter back to back in the order the
    /// optimizer was given).
    /// </summary>
    public void AddWeightedSum(Tensor weights, Tensor flatSum);
}
