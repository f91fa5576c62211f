using FineTune.Contracts.Configs;
using FineTune.Torch;
using FineTune.Training.Model;

namespace FineTune.Training.Lora;

/// <summary>
/// The LoRA adapter of one frozen linear layer W (out, in): y = W x + s · B A dropout(x), with A (r, in) initialised
/// Kaiming-uniform like PEFT (bound 1/√in) and B (out, r) zeros, so at step 0 the model equals the base model.
/// Merge folds s · B A into W for inference; Unmerge takes it back out.
/// </summary>
/// <remarks>
/// Mixed precision as PEFT does it: A and B are float32 (float64 beside a float64 base, for gradient checks) whatever
/// the base weights' dtype; the branch casts its input to that dtype and its output back to the input's. With
/// <see cref="ComputeDType"/> set to a 16-bit base's dtype the branch runs in that dtype instead, as autocast
/// training does (A and B, and so their gradients and optimizer state, stay float32). A is drawn
/// on the CPU and then moved, so a seed gives the same adapter on every device (the device rule: a generator only
/// draws into tensors of its own device).
/// </remarks>
public sealed class LoraLinear : ILinearAdapter
{
    private readonly double _dropout;
    private bool _merged;

    /// <summary>Creates A and B for a layer, drawing A from a CPU generator.</summary>
    public LoraLinear(Linear target, LoraConfig config, Generator generator)
        : this(target, config, generator, buffer: null)
    {
    }

    /// <summary>As the public constructor, with A and B as views of <paramref name="buffer"/> when one is given.</summary>
    internal LoraLinear(Linear target, LoraConfig config, Generator generator, LoraParameterBuffer? buffer)
    {
        ArgumentNullException.ThrowIfNull(target);
        ArgumentNullException.ThrowIfNull(config);
        ArgumentNullException.ThrowIfNull(generator);
        Target = target;
        Scaling = config.Scaling;
        _dropout = config.Dropout;
        double bound = 1.0 / Math.Sqrt(target.InFeatures);
        ScalarType dtype = ParameterDType(target.Weight.dtype);
        Device device = target.Weight.device;
        using var scope = TensorScope.Begin();
        Tensor drawn = torch.empty([config.Rank, target.InFeatures], dtype, Device.CPU);
        drawn.uniform_(-bound, bound, generator).Dispose();
        if (buffer is null)
        {
            A = TensorScope.TakeOwnership(drawn.to(dtype, device, copy: true).requires_grad_());
            B = TensorScope.TakeOwnership(torch.zeros([target.OutFeatures, config.Rank], dtype, device, requiresGrad: true));
            return;
        }
        A = TensorScope.TakeOwnership(buffer.Take([config.Rank, target.InFeatures]));
        B = TensorScope.TakeOwnership(buffer.Take([target.OutFeatures, config.Rank])); // the buffer starts at zero
        using var noGrad = torch.no_grad();
        A.copy_(drawn).Dispose();
        _computeDType = A.dtype;
    }

    private ScalarType _computeDType;

    /// <summary>
    /// The dtype the branch computes in: A's (the default; the layer input is cast up to it, as PEFT does) or the base
    /// weights' 16-bit dtype (A and s·B are cast down each forward and the input is used as it is, so no float32 copy
    /// of a B × T × in activation is written, kept or read back).
    /// </summary>
    public ScalarType ComputeDType
    {
        get => _computeDType;
        set
        {
            if (value != A.dtype && value != Target.Weight.dtype)
            {
                throw new ArgumentException($"an adapter computes in its own dtype ({A.dtype}) or its base weights' ({Target.Weight.dtype}), not {value}", nameof(value));
            }
            _computeDType = value;
        }
    }

    /// <summary>The dtype of A and B beside base weights of <paramref name="baseDType"/>: float32, or float64.</summary>
    public static ScalarType ParameterDType(ScalarType baseDType) =>
        baseDType == ScalarType.Float64 ? ScalarType.Float64 : ScalarType.Float32;

    /// <summary>The layer this adapter modifies.</summary>
    public Linear Target { get; }

    /// <summary>A (r, in), trainable.</summary>
    public Tensor A { get; }

    /// <summary>B (out, r), trainable.</summary>
    public Tensor B { get; }

    /// <summary>alpha / r (or alpha / √r with rsLoRA).</summary>
    public double Scaling { get; }

    /// <summary>
    /// Where the branch gets its input in <see cref="ComputeDType"/>: shared with the sibling adapters that read the
    /// same input (<see cref="LoraModel"/> sets one for all of its adapters); null casts on its own.
    /// </summary>
    internal SharedInputCast? InputCast { get; set; }

    /// <summary>Whether dropout is active (training) or identity (evaluation).</summary>
    public bool Training { get; set; } = true;

    /// <summary>
    /// Generator of the dropout masks; the trainer sets its own so a checkpoint can restore the exact stream. When
    /// null, libtorch's default generator is used.
    /// </summary>
    public Generator? DropoutGenerator { get; set; }

    /// <summary>
    /// s · B A dropout(x) for x (…, in) → (…, out), in <see cref="ComputeDType"/> (the layer adds it to its output in
    /// place, in the output's dtype); zero while merged.
    /// </summary>
    public Tensor Forward(Tensor input)
    {
        ArgumentNullException.ThrowIfNull(input);
        using var scope = TensorScope.Begin();
        if (_merged)
        {
            return scope.MoveToOuter(torch.zeros([1], input.dtype, input.device));
        }
        Tensor x = BranchInput(input);
        Tensor a = A.to(_computeDType);                                                         // no-op in A's dtype
        // Training with a mask from the trainer's generator: dropout and A as one node that keeps x and the one-byte
        // mask for A's gradient instead of each adapter's own dropped float copy (5 bytes per input feature, token
        // and adapter, measured). DP-SGD needs the dropped copy itself and takes Branch.
        Tensor low = Training && _dropout > 0 && DropoutGenerator is not null && torch.is_grad_enabled()
            ? torch.nn.functional.dropped_linear(x, Keep(x, DropoutGenerator), _dropout, a)     // (…, r)
            : torch.nn.functional.linear(Dropout(x), a);
        return scope.MoveToOuter(torch.nn.functional.linear(low, ScaledB()));                   // (…, out)
    }

    /// <summary>
    /// The branch for <paramref name="input"/> (…, in), in <see cref="ComputeDType"/>: x̃ = dropout(x), h = x̃ Aᵀ
    /// (…, r) and delta = s · h Bᵀ (…, out), each owned by the caller's scope (the DP path keeps all three).
    /// </summary>
    internal (Tensor Dropped, Tensor Low, Tensor Delta) Branch(Tensor input)
    {
        using var scope = TensorScope.Begin();
        Tensor dropped = Dropout(BranchInput(input));
        Tensor low = torch.nn.functional.linear(dropped, A.to(_computeDType));                  // (…, r)
        Tensor delta = torch.nn.functional.linear(low, ScaledB());                              // (…, out)
        return (scope.MoveToOuter(dropped), scope.MoveToOuter(low), scope.MoveToOuter(delta));
    }

    /// <summary>The input in the compute dtype: the siblings' shared copy, or a cast of its own (owned by the caller's scope).</summary>
    private Tensor BranchInput(Tensor input) => InputCast?.CastOf(input, _computeDType) ?? input.to(_computeDType);

    /// <summary>
    /// s · B in the compute dtype: s folds into B (out × r) rather than multiplying the output (B × T × out), one pass
    /// less over the activation forward and one backward (PEFT multiplies the output; the product differs in rounding
    /// only, and not at all when s is a power of two, as α = 2r makes it). Owned by the caller's scope.
    /// </summary>
    private Tensor ScaledB() => B.mul(Scaling).to(_computeDType);

    /// <summary>The kept positions of a dropout mask for x, drawn from <paramref name="generator"/> on x's device.</summary>
    private Tensor Keep(Tensor x, Generator generator)
    {
        using var scope = TensorScope.Begin();
        return scope.MoveToOuter(torch.rand(x.shape, x.dtype, x.device, generator).ge(_dropout));
    }

    /// <summary>
    /// dropout(x) for x already in the compute dtype: identity in evaluation; otherwise a mask from
    /// <see cref="DropoutGenerator"/> (on x's device), or libtorch's default generator when none is set.
    /// </summary>
    internal Tensor Dropout(Tensor x)
    {
        if (!Training || _dropout <= 0)
        {
            return x.alias();
        }
        if (DropoutGenerator is null)
        {
            return torch.nn.functional.dropout(x, _dropout);
        }
        using var scope = TensorScope.Begin();
        Tensor keep = Keep(x, DropoutGenerator);
        return scope.MoveToOuter(x.mul(keep).div(1 - _dropout));
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
        // The product in A's precision, rounded once to the base weights' dtype (as PEFT merges).
        Tensor delta = B.matmul(A).mul(sign * Scaling).to(Target.Weight.dtype);
        Target.Weight.add_(delta).Dispose();
        _merged = merged;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        A.Dispose();
        B.Dispose();
    }
}
