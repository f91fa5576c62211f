using FineTune.Torch;
using FineTune.Training.Privacy.Sgd.PerSampleGrads;

namespace FineTune.Training.Privacy.Sgd;

/// <summary>
/// The per-sample LoRA gradients of one backward pass (<see cref="DpLoraCapture.CapturePerSampleGradients"/>), kept as
/// what they are made of (each branch's x̃, h and output gradient) rather than as U copies of every matrix: norms come
/// from one adapter's per-sample gradients at a time, and the weighted sum from one contraction per adapter with each
/// token weighted by its sample's weight. Owns the output gradients; disposing also releases the capture's activations.
/// </summary>
internal sealed class CapturedPerSampleGradients : IPerSampleGradients, IDisposable
{
    private readonly DpLoraCapture _capture;
    private readonly IReadOnlyList<CapturingLoraAdapter> _adapters;
    private readonly Tensor?[] _outputGrads;
    private readonly TokenSegments? _segments;

    public CapturedPerSampleGradients(DpLoraCapture capture, IReadOnlyList<CapturingLoraAdapter> adapters, Tensor?[] outputGrads, TokenSegments? segments, int sampleCount)
    {
        _capture = capture;
        _adapters = adapters;
        _outputGrads = outputGrads;
        _segments = segments;
        SampleCount = sampleCount;
        Width = adapters.Sum(adapter => adapter.Lora.A.numel() + adapter.Lora.B.numel());
    }

    public int SampleCount { get; }

    /// <summary>P: every A and B of the adapters, back to back.</summary>
    public long Width { get; }

    /// <summary>
    /// Every sample's gradient as one (U, P) float32 matrix the caller owns (<see cref="DpLoraCapture.ComputeFlatPerSampleGradients"/>'s
    /// layout): a few whole-matrix ops clip it, where the two passes cost a few dozen small ops per adapter, so it is the
    /// better choice while U · P is small.
    /// </summary>
    public Tensor Materialize()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        Tensor flat = torch.empty([SampleCount, Width], ScalarType.Float32, _adapters[0].Lora.B.device);
        long offset = 0;
        // Each adapter's two gradients are written into the matrix as soon as they exist, so no more than one adapter's
        // per-sample gradients are held beside it.
        ForEachAdapter((adapter, grads) =>
        {
            using var adapterScope = TensorScope.Begin();
            (Tensor gradA, Tensor gradB) = Sum(adapter, grads, _segments);
            foreach ((Tensor gradient, Tensor parameter) in new[] { (gradA, adapter.Lora.A), (gradB, adapter.Lora.B) })
            {
                long count = parameter.numel();
                flat.narrow(1, offset, count).copy_(gradient.reshape(SampleCount, count));
                offset += count;
            }
        });
        return scope.MoveToOuter(flat);
    }

    public Tensor Norms()
    {
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        Tensor squared = torch.zeros([SampleCount], ScalarType.Float32, _adapters[0].Lora.B.device);
        ForEachAdapter((adapter, grads) =>
        {
            using var adapterScope = TensorScope.Begin();
            (Tensor gradA, Tensor gradB) = Sum(adapter, grads, _segments);
            squared.add_(gradA.reshape(SampleCount, -1).square().sum(1)).add_(gradB.reshape(SampleCount, -1).square().sum(1));
        });
        return scope.MoveToOuter(squared.sqrt());
    }

    public void AddWeightedSum(Tensor weights, Tensor flatSum)
    {
        ArgumentNullException.ThrowIfNull(weights);
        ArgumentNullException.ThrowIfNull(flatSum);
        if (flatSum.dim() != 1 || flatSum.numel() != Width)
        {
            throw new ArgumentException($"the flat sum has shape [{string.Join(", ", flatSum.shape)}]; the adapters hold {Width} elements", nameof(flatSum));
        }
        using var scope = TensorScope.Begin();
        using var noGrad = torch.no_grad();
        Tensor tokenWeights = _segments?.TokenWeights(weights) ?? RowTokenWeights(weights);
        long offset = 0;
        ForEachAdapter((adapter, grads) =>
        {
            using var adapterScope = TensorScope.Begin();
            Tensor a = adapter.Lora.A;
            Tensor b = adapter.Lora.B;
            Tensor sumA = flatSum.narrow(0, offset, a.numel()).view(a.shape);
            Tensor sumB = flatSum.narrow(0, offset + a.numel(), b.numel()).view(b.shape);
            for (int i = 0; i < grads.Length; i++)
            {
                LoraActivation activation = adapter.Activations[i];
                // A branch the loss does not depend on adds nothing.
                if (grads[i] is not Tensor outputGrad)
                {
                    continue;
                }
                LoraLinearGrads.AddWeightedSum(activation.DroppedInput, activation.Low, outputGrad, b, adapter.Lora.Scaling, tokenWeights, sumA, sumB);
            }
            offset += a.numel() + b.numel();
        });
    }

    // Unpacked, sample u is row u: its weight applies to every token of the row. Every branch reads the same (U, T)
    // tokens, so the first kept activation gives T for all of them.
    private Tensor RowTokenWeights(Tensor weights)
    {
        Tensor low = _adapters.SelectMany(adapter => adapter.Activations).First().Low;   // (U, T, r)
        long tokensPerSample = low.numel() / Math.Max(1, SampleCount * low.size(-1));
        return weights.to(ScalarType.Float32).reshape(SampleCount, 1).expand(SampleCount, tokensPerSample).reshape(-1);
    }

    public void Dispose()
    {
        Array.ForEach(_outputGrads, g => g?.Dispose());
        _capture.Clear();
    }

    private void ForEachAdapter(Action<CapturingLoraAdapter, Tensor?[]> action)
    {
        int next = 0;
        foreach (CapturingLoraAdapter adapter in _adapters)
        {
            int count = adapter.Activations.Count;
            action(adapter, _outputGrads[next..(next + count)]);
            next += count;
        }
    }

    // An adapter called more than once per forward (weight sharing) gets the sum of its calls' contributions.
    private static (Tensor GradA, Tensor GradB) Sum(CapturingLoraAdapter adapter, ReadOnlySpan<Tensor?> outputGrads, TokenSegments? segments)
    {
        if (outputGrads.Length == 0)
        {
            throw new InvalidOperationException($"{adapter.Lora.Target.Name} did not run in the forward pass, so its rows are unknown");
        }
        using var scope = TensorScope.Begin();
        Tensor? gradA = null;
        Tensor? gradB = null;
        for (int i = 0; i < outputGrads.Length; i++)
        {
            LoraActivation activation = adapter.Activations[i];
            // A branch the loss does not depend on has a zero gradient at its output.
            Tensor outputGrad = outputGrads[i] ?? torch.zeros(activation.Output.shape, ScalarType.Float32, activation.Output.device);
            (Tensor a, Tensor b) = LoraLinearGrads.Compute(activation.DroppedInput, activation.Low, outputGrad, adapter.Lora.B, adapter.Lora.Scaling, segments);
            gradA = gradA is null ? a : gradA.add(a);
            gradB = gradB is null ? b : gradB.add(b);
        }
        return (scope.MoveToOuter(gradA!), scope.MoveToOuter(gradB!));
    }
}
