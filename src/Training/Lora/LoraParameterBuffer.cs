using FineTune.Torch;

namespace FineTune.Training.Lora;

/// <summary>
/// Every A and B matrix of a <see cref="LoraModel"/> as a view of one contiguous buffer, and each matrix's gradient
/// as a view of a second one. Clipping and AdamW then run a handful of whole-buffer ops per step instead of about a
/// dozen per matrix: llama-3.2-1b with all-linear targets has 112 adapters (16 layers of 7), 224 matrices, so ~2,500
/// tiny kernels per step became ~10 (on a GPU each launch costs microseconds while the device idles; PEFT's AdamW is fused for this).
/// </summary>
/// <remarks>
/// The matrices are leaves (views of a buffer that does not require grad), so autograd accumulates into their
/// <c>.grad</c>. Each <c>.grad</c> is set once to its view of <see cref="Gradients"/> and never replaced: autograd adds
/// into a gradient that exists (in place when grad mode is off, as it is in backward), so backward fills the buffer.
/// Zeroing the buffer (AdamW.ZeroGrad does) stands for PyTorch's zero_grad. Whoever writes a gradient by hand
/// (DP-SGD's noised sums) must copy into the existing <c>.grad</c>, never set a new one.
/// </remarks>
internal sealed class LoraParameterBuffer : IDisposable
{
    private long _used;

    public LoraParameterBuffer(long elements, ScalarType dtype, Device device)
    {
        Values = torch.zeros([elements], dtype, device);
        Gradients = torch.zeros([elements], dtype, device);
    }

    /// <summary>Every matrix's values, back to back in adapter order (A then B).</summary>
    public Tensor Values { get; }

    /// <summary>Every matrix's gradient, laid out as <see cref="Values"/>.</summary>
    public Tensor Gradients { get; }

    /// <summary>The next <paramref name="shape"/>-sized matrix: a trainable view of <see cref="Values"/>, zero, with its gradient bound.</summary>
    public Tensor Take(long[] shape)
    {
        long count = shape.Aggregate(1L, (a, b) => a * b);
        if (_used + count > Values.numel())
        {
            throw new InvalidOperationException($"the LoRA buffer holds {Values.numel()} elements; {_used + count} asked for");
        }
        using var scope = TensorScope.Begin();
        Tensor matrix = Values.narrow(0, _used, count).view(shape).requires_grad_();
        matrix.set_grad(Gradients.narrow(0, _used, count).view(shape));
        _used += count;
        return scope.MoveToOuter(matrix);
    }

    public void Dispose()
    {
        Values.Dispose();
        Gradients.Dispose();
    }
}
