using FineTune.Torch;

namespace FineTune.Training.Privacy.Sgd;

/// <summary>
/// What one LoRA branch saw in one forward call: x̃ (B, …, in) and h (B, …, r), both detached, and the branch
/// output delta (B, …, out), still in the autograd graph so the loss can be differentiated with respect to it.
/// Owns the three handles.
/// </summary>
internal sealed record LoraActivation(Tensor DroppedInput, Tensor Low, Tensor Output) : IDisposable
{
    public void Dispose()
    {
        DroppedInput.Dispose();
        Low.Dispose();
        Output.Dispose();
    }
}
