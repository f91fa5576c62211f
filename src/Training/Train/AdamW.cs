using FineTune.Torch;

namespace FineTune.Training.Train;

/// <summary>
/// AdamW (Loshchilov &amp; Hutter 2019) as PyTorch implements it: decoupled weight decay p ← p(1 − lr·λ), moments
/// m ← β₁m + (1−β₁)g and v ← β₂v + (1−β₂)g², bias-corrected step p ← p − lr·(m/(1−β₁ᵗ)) / (√(v/(1−β₂ᵗ)) + ε).
/// Owns its moment tensors; parameters are borrowed.
/// </summary>
public sealed class AdamW : IDisposable
{
    private readonly IReadOnlyList<KeyValuePair<string, Tensor>> _parameters;
    private readonly Dictionary<string, (Tensor M, Tensor V)> _state = new();

    /// <summary>Creates the optimizer over named parameters.</summary>
    public AdamW(IEnumerable<KeyValuePair<string, Tensor>> parameters, double beta1 = 0.9, double beta2 = 0.999, double epsilon = 1e-8, double weightDecay = 0.0)
    {
        _parameters = parameters.ToList();
        Beta1 = beta1;
        Beta2 = beta2;
        Epsilon = epsilon;
        WeightDecay = weightDecay;
    }

    /// <summary>β₁.</summary>
    public double Beta1 { get; }

    /// <summary>β₂.</summary>
    public double Beta2 { get; }

    /// <summary>ε.</summary>
    public double Epsilon { get; }

    /// <summary>Decoupled weight decay λ.</summary>
    public double WeightDecay { get; }

    /// <summary>Steps taken (t).</summary>
    public long StepCount { get; private set; }

    /// <summary>Applies one update with the gradients currently in <c>.grad</c>; parameters without one are skipped.</summary>
    public void Step(double learningRate)
    {
        StepCount++;
        double biasCorrection1 = 1 - Math.Pow(Beta1, StepCount);
        double biasCorrection2 = 1 - Math.Pow(Beta2, StepCount);
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in _parameters)
        {
            using var scope = TensorScope.Begin();
            Tensor? grad = parameter.grad();
            if (grad is null)
            {
                continue;
            }
            var (m, v) = State(name, parameter);
            if (WeightDecay != 0)
            {
                parameter.mul_(1 - (learningRate * WeightDecay));
            }
            m.lerp_(grad, 1 - Beta1);
            v.mul_(Beta2).addcmul_(grad, grad, 1 - Beta2);
            Tensor denominator = v.sqrt().div(Math.Sqrt(biasCorrection2)).add_(Epsilon);
            parameter.addcdiv_(m, denominator, -learningRate / biasCorrection1);
        }
    }

    /// <summary>Clears every parameter's gradient (PyTorch's zero_grad(set_to_none=True)).</summary>
    public void ZeroGrad()
    {
        foreach (var (_, parameter) in _parameters)
        {
            parameter.set_grad(null);
        }
    }

    /// <summary>The moments as named tensors for a checkpoint (new handles the caller owns).</summary>
    public IEnumerable<KeyValuePair<string, Tensor>> StateTensors()
    {
        foreach (var (name, (m, v)) in _state)
        {
            yield return KeyValuePair.Create(name + ".exp_avg", m.alias());
            yield return KeyValuePair.Create(name + ".exp_avg_sq", v.alias());
        }
    }

    /// <summary>Restores moments and the step count saved by <see cref="StateTensors"/>.</summary>
    public void LoadState(long stepCount, Func<string, Tensor?> lookup)
    {
        ArgumentNullException.ThrowIfNull(lookup);
        StepCount = stepCount;
        using var noGrad = torch.no_grad();
        foreach (var (name, parameter) in _parameters)
        {
            using Tensor? m = lookup(name + ".exp_avg");
            using Tensor? v = lookup(name + ".exp_avg_sq");
            if (m is null || v is null)
            {
                continue;
            }
            var (stateM, stateV) = State(name, parameter);
            stateM.copy_(m).Dispose();
            stateV.copy_(v).Dispose();
        }
    }

    private (Tensor M, Tensor V) State(string name, Tensor parameter)
    {
        if (!_state.TryGetValue(name, out var state))
        {
            state = (
                TensorScope.TakeOwnership(torch.zeros(parameter.shape, parameter.dtype, parameter.device)),
                TensorScope.TakeOwnership(torch.zeros(parameter.shape, parameter.dtype, parameter.device)));
            _state[name] = state;
        }
        return state;
    }

    /// <inheritdoc />
    public void Dispose()
    {
        foreach (var (m, v) in _state.Values)
        {
            m.Dispose();
            v.Dispose();
        }
        _state.Clear();
    }
}
