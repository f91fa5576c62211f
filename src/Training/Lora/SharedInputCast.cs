using FineTune.Torch;

namespace FineTune.Training.Lora;

/// <summary>
/// The LoRA branches' float32 copy of a layer input, made once for the adapters that read the same input: q, k and v
/// read one normed hidden state, gate and up another. Each adapter casting on its own (as PEFT does) writes the copy
/// three times (twice for gate and up) and autograd keeps every copy for A's gradient until backward; shared, one copy
/// is written and kept. At the llama-3.2-1b shape, B=8, L=1024 (16 layers, width 2,048) that is 3 of every layer's 7
/// float32 inputs, ~3 GiB of the step's saved activations.
/// </summary>
/// <remarks>
/// One entry, keyed by the input's .NET object: the model passes the very same <see cref="Tensor"/> object to sibling
/// layers one after another and never changes it in place, and an object still referenced here cannot be a new
/// tensor. The entry is replaced by the next input and released by <see cref="Release"/> (the trainer calls it after
/// each backward, so the copy lives no longer than autograd needs it).
/// </remarks>
internal sealed class SharedInputCast : IDisposable
{
    private Tensor? _source;
    private Tensor? _cast;
    private bool _gradEnabled;

    /// <summary>
    /// <paramref name="input"/> in <paramref name="dtype"/>, the copy made for the previous caller when it passed the
    /// same object under the same grad mode; a new handle owned by the caller's scope either way.
    /// </summary>
    public Tensor CastOf(Tensor input, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(input);
        bool gradEnabled = torch.is_grad_enabled();
        if (!ReferenceEquals(input, _source) || _cast is null || _cast.dtype != dtype || gradEnabled != _gradEnabled)
        {
            Release();
            _cast = TensorScope.TakeOwnership(input.to(dtype));
            _source = input;
            _gradEnabled = gradEnabled;
        }
        return _cast.alias();
    }

    /// <summary>Drops the kept copy (autograd keeps it on its own for as long as backward needs it).</summary>
    public void Release()
    {
        _cast?.Dispose();
        _cast = null;
        _source = null;
    }

    /// <inheritdoc />
    public void Dispose() => Release();
}
