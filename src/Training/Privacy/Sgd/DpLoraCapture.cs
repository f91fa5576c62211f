using FineTune.Torch;
using FineTune.Training.Lora;
using FineTune.Training.Privacy.Sgd.PerSampleGrads;

namespace FineTune.Training.Privacy.Sgd;

/// <summary>
/// Per-sample gradients of every LoRA parameter from one forward and ONE backward pass. While attached, each
/// adapted layer runs a capturing stand-in for its <see cref="LoraLinear"/> (same math, same parameters, same
/// dropout stream) that keeps the branch's dropped input x̃, its low-rank activation h and its output delta.
/// <see cref="ComputePerSampleGradients"/> then asks autograd for ∂loss/∂delta of every branch at once and
/// contracts them with x̃ and h (<see cref="LoraLinearGrads"/>). Disposing puts the original adapters back.
/// </summary>
/// <remarks>
/// Per-sample means per row of the batch, each row one record (record-level DP) or one entity's records
/// (entity-level DP); or, with <see cref="TokenSegments"/>, per span of a row when rows pack several samples. The
/// forward must keep samples independent (block-diagonal attention within a packed row, none across rows), and the
/// loss must be a sum of per-sample terms. The adapters must not be merged while attached. The parameters' <c>.grad</c>
/// is never touched; <see cref="DpOptimizer"/> writes it after clipping and noise.
/// </remarks>
public sealed class DpLoraCapture : IDisposable
{
    private readonly List<CapturingLoraAdapter> _adapters = new();

    private DpLoraCapture()
    {
    }

    /// <summary>Swaps a capturing stand-in onto every adapted layer of <paramref name="lora"/>.</summary>
    public static DpLoraCapture Attach(LoraModel lora)
    {
        ArgumentNullException.ThrowIfNull(lora);
        var capture = new DpLoraCapture();
        foreach (LoraLinear adapter in lora.Adapters)
        {
            if (!ReferenceEquals(adapter.Target.Adapter, adapter))
            {
                capture.Dispose();
                throw new InvalidOperationException($"{adapter.Target.Name} does not run its LoRA adapter (already captured?)");
            }
            var capturing = new CapturingLoraAdapter(adapter);
            adapter.Target.Adapter = capturing;
            capture._adapters.Add(capturing);
        }
        return capture;
    }

    /// <summary>Number of branch activations kept since the last clear (one per adapter per forward).</summary>
    public int ActivationCount => _adapters.Sum(a => a.Activations.Count);

    /// <summary>
    /// Per-sample gradients of <paramref name="loss"/> (a scalar, the sum of per-row losses of the last forward) for
    /// every LoRA parameter, in <see cref="LoraModel.NamedParameters"/> order: lora_A as (B, r, in), lora_B as
    /// (B, out, r), float32. The tensors are new handles (views of one flat matrix, see
    /// <see cref="ComputeFlatPerSampleGradients"/>) the caller owns.
    /// </summary>
    /// <param name="loss">Scalar loss of the forward pass that ran since the last clear.</param>
    /// <param name="retainGraph">Keep the graph, e.g. to differentiate the same loss again.</param>
    /// <param name="segments">Where each sample lies when rows pack several (the leading size is then its count).</param>
    public IReadOnlyList<KeyValuePair<string, Tensor>> ComputePerSampleGradients(Tensor loss, bool retainGraph = false, TokenSegments? segments = null)
    {
        using var scope = TensorScope.Begin();
        Tensor flat = ComputeFlatPerSampleGradients(loss, retainGraph, segments);
        long rows = flat.size(0);
        var result = new List<KeyValuePair<string, Tensor>>(2 * _adapters.Count);
        long offset = 0;
        foreach (CapturingLoraAdapter adapter in _adapters)
        {
            foreach ((string matrix, Tensor parameter) in new[] { ("lora_A", adapter.Lora.A), ("lora_B", adapter.Lora.B) })
            {
                long count = parameter.numel();
                Tensor view = flat.narrow(1, offset, count).view([rows, .. parameter.shape]);
                result.Add(KeyValuePair.Create(LoraModel.PeftKey(adapter.Lora.Target.Name, matrix), scope.MoveToOuter(view)));
                offset += count;
            }
        }
        return result;
    }

    /// <summary>
    /// The per-sample gradients of <see cref="ComputePerSampleGradients"/> as one float32 matrix (B, P) the caller
    /// owns: row b is sample b's gradient of every LoRA parameter back to back in <see cref="LoraModel.NamedParameters"/>
    /// order (the layout of <see cref="LoraModel.FlatValues"/>), so clipping reads one norm per row and one product.
    /// Runs one backward pass (to the earliest adapter only) and then releases the kept activations.
    /// </summary>
    /// <param name="loss">Scalar loss of the forward pass that ran since the last clear.</param>
    /// <param name="retainGraph">Keep the graph, e.g. to differentiate the same loss again.</param>
    /// <param name="segments">Where each sample lies when rows pack several (B is then their count).</param>
    public Tensor ComputeFlatPerSampleGradients(Tensor loss, bool retainGraph = false, TokenSegments? segments = null)
    {
        using CapturedPerSampleGradients captured = CapturePerSampleGradients(loss, segments, retainGraph);
        return captured.Materialize();
    }

    /// <summary>
    /// The per-sample gradients of <paramref name="loss"/> for two-pass reading (<see cref="IPerSampleGradients"/>): one
    /// backward pass to the branch outputs, after which norms and weighted sums are contracted from the kept activations
    /// on demand, never U copies of every matrix at once. Dispose it (which releases the activations) before the next
    /// forward pass.
    /// </summary>
    /// <param name="loss">Scalar loss of the forward pass that ran since the last clear.</param>
    /// <param name="segments">Where each sample lies when rows pack several (U is then their count).</param>
    /// <param name="retainGraph">Keep the graph, e.g. to differentiate the same loss again.</param>
    internal CapturedPerSampleGradients CapturePerSampleGradients(Tensor loss, TokenSegments? segments = null, bool retainGraph = false)
    {
        try
        {
            Tensor?[] outputGrads = OutputGradients(loss, retainGraph);
            int samples = segments?.Count ?? (int)_adapters.First(a => a.Activations.Count > 0).Activations[0].DroppedInput.size(0);
            return new CapturedPerSampleGradients(this, _adapters, outputGrads, segments, samples);
        }
        catch
        {
            Clear();
            throw;
        }
    }

    // ∂loss/∂delta of every branch output kept since the last clear, in adapter order (null where the loss does not depend
    // on it): the one backward pass, which stops at the earliest adapter.
    private Tensor?[] OutputGradients(Tensor loss, bool retainGraph)
    {
        ArgumentNullException.ThrowIfNull(loss);
        var outputs = _adapters.SelectMany(a => a.Activations.Select(c => c.Output)).ToList();
        if (outputs.Count == 0)
        {
            throw new InvalidOperationException("no LoRA branch ran with gradients since the last clear; run the forward pass first");
        }
        return torch.autograd.grad([loss], outputs, retainGraph: retainGraph, allowUnused: true);
    }

    /// <summary>Drops the kept activations without differentiating (e.g. after a failed micro-batch).</summary>
    public void Clear() => _adapters.ForEach(a => a.Clear());

    /// <summary>Restores the original adapters on layers that still run a stand-in, and frees what was kept.</summary>
    public void Dispose()
    {
        foreach (CapturingLoraAdapter adapter in _adapters)
        {
            adapter.Clear();
            // A disposed LoraModel has already detached its layers; re-attaching would resurrect a freed adapter.
            if (ReferenceEquals(adapter.Lora.Target.Adapter, adapter))
            {
                adapter.Lora.Target.Adapter = adapter.Lora;
            }
        }
        _adapters.Clear();
    }
}
