using FineTune.Torch;

namespace FineTune.Training.Model;

/// <summary>A trainable addition to a frozen linear layer's output (LoRA implements it).</summary>
public interface ILinearAdapter : IDisposable
{
    /// <summary>
    /// The term added to the base output for input x (…, in) → (…, out), in any floating dtype: the layer adds it in
    /// place, in its output's dtype.
    /// </summary>
    public Tensor Forward(Tensor input);
}
