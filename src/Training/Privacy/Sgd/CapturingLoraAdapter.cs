using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Model;

namespace FineTune.Training.Privacy.Sgd;

/// <summary>
/// Stands in for a <see cref="LoraLinear"/> on its layer during DP training: the same s · B A dropout(x), with the
/// same A, B, scaling and dropout generator, but it also keeps x̃ = dropout(x), h = x̃ Aᵀ and a handle to the
/// branch output, which is what per-sample gradients need (opacus records the same through module hooks).
/// </summary>
internal sealed class CapturingLoraAdapter : ILinearAdapter
{
    private readonly List<LoraActivation> _activations = new();

    public CapturingLoraAdapter(LoraLinear lora)
    {
        Lora = lora;
    }

    /// <summary>The wrapped adapter, which owns A and B.</summary>
    public LoraLinear Lora { get; }

    /// <summary>What each forward call since the last <see cref="Clear"/> saw, in call order.</summary>
    public IReadOnlyList<LoraActivation> Activations => _activations;

    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = TensorScope.Begin();
        // LoraLinear's own branch, so a run with this adapter computes in the same precision and draws the generator's
        // stream exactly as a run without it would.
        (Tensor dropped, Tensor low, Tensor delta) = Lora.Branch(input);  // (…, in), (…, r), (…, out)
        // Evaluation and generation run without gradients; nothing is differentiated then, so nothing is kept.
        if (torch.is_grad_enabled())
        {
            _activations.Add(new LoraActivation(
                TensorScope.TakeOwnership(dropped.detach()),
                TensorScope.TakeOwnership(low.detach()),
                TensorScope.TakeOwnership(delta.alias())));
        }
        return scope.MoveToOuter(delta);
    }

    /// <summary>Releases the kept activations (the graph they belong to can then be freed).</summary>
    public void Clear()
    {
        foreach (LoraActivation activation in _activations)
        {
            activation.Dispose();
        }
        _activations.Clear();
    }

    /// <summary>Releases the kept activations only: A and B belong to the wrapped <see cref="LoraLinear"/>.</summary>
    public void Dispose() => Clear();
}
