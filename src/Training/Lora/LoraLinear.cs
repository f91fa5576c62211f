using FineTune.Torch;
using FineTune.Training.Model;

namespace FineTune.Training.Lora;

/// <summary>
/// The LoRA adapter of one frozen linear layer W (out, in): y = W x + s · B A dropout(x), with A (r, in) initialised
/// Kaiming-uniform like PEFT (bound 1/√in) and B (out, r) zeros, so at step 0 the model equals the base model.
/// Merge folds s · B A into W for inference; Unmerge takes it back out.
/// </summary>
public sealed class LoraLinear : ILinearAdapter
{
    private readonly double _dropout;
    private bool _merged;

    /// <summary>Creates A and B for a layer, drawing A from the generator.</summary>
    public LoraLinear(Linear target, LoraConfig config, Generator generator)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(config);
        Target = target;
        Scaling = config.Scaling;
        _dropout = config.Dropout;
        double bound = 1.0 / Math.Sqrt(target.InFeatures);
        using var scope = TensorScope.Begin();
        Tensor a = torch.empty([config.Rank, target.InFeatures], target.Weight.dtype, target.Weight.device);
        a.uniform_(-bound, bound, generator).Dispose();
        A = TensorScope.TakeOwnership(a.requires_grad_());
        B = TensorScope.TakeOwnership(torch.zeros([target.OutFeatures, config.Rank], target.Weight.dtype, target.Weight.device, requiresGrad: true));
    }

    /// <summary>The layer this adapter modifies.</summary>
    public Linear Target { get; }

    /// <summary>A (r, in), trainable.</summary>
    public Tensor A { get; }

    /// <summary>B (out, r), trainable.</summary>
    public Tensor B { get; }

    /// <summary>alpha / r (or alpha / √r with rsLoRA).</summary>
    public double Scaling { get; }

    /// <summary>Whether dropout is active (training) or identity (evaluation).</summary>
    public bool Training { get; set; } = true;

    /// <summary>
    /// Generator of the dropout masks; the trainer sets its own so a checkpoint can restore the exact stream. When
    /// null, libtorch's default generator is used.
    /// </summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>s · B A dropout(x) for x (…, in) → (…, out); zero while merged.</summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = TensorScope.Begin();
        if (_merged)
        {
            return scope.MoveToOuter(torch.zeros([1], input.dtype, input.device));
        }
        Tensor x = !Training || _dropout <= 0 ? input
            : DropoutGenerator is null ? torch.nn.functional.dropout(input, _dropout)
            : input.mul(torch.rand(input.shape, input.dtype, input.device, DropoutGenerator).ge(_dropout)).div(1 - _dropout);
        Tensor low = torch.nn.functional.linear(x, A);                  // (…, r)
        return scope.MoveToOuter(torch.nn.functional.linear(low, B).mul(Scaling)); // (…, out)
    }

    /// <summary>W += s · B A (no gradient); the adapter then adds nothing.</summary>
    public void Merge() => Fold(+1, merged: true);

    /// <summary>W -= s · B A, undoing <see cref="Merge"/>.</summary>
    public void Unmerge() => Fold(-1, merged: false);

    private void Fold(int sign, bool merged)
    {
        if (_merged == merged)
        {
            return;
        }
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        Target.Weight.add_(B.matmul(A), alpha: sign * Scaling);
        _merged = merged;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
