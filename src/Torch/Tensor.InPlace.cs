using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>
/// In-place ops an optimizer needs. Each mutates this tensor and returns a new alias handle (STYLE.md rule 1), which
/// a surrounding <see cref="TensorScope"/> disposes; the mutated tensor itself stays owned by its owner.
/// </summary>
public sealed partial class Tensor
{
    /// <summary>this += alpha * other</summary>
    public Tensor add_(Tensor other, double alpha = 1) => From(NativeMethods.FtTensor_Add_(Handle, other.Handle, alpha, out var r), r);

    /// <summary>this += value</summary>
    public Tensor add_(double value) => From(NativeMethods.FtTensor_AddScalar_(Handle, value, out var r), r);

    /// <summary>this *= other</summary>
    public Tensor mul_(Tensor other) => From(NativeMethods.FtTensor_Mul_(Handle, other.Handle, out var r), r);

    /// <summary>this *= value</summary>
    public Tensor mul_(double value) => From(NativeMethods.FtTensor_MulScalar_(Handle, value, out var r), r);

    /// <summary>this /= other</summary>
    public Tensor div_(Tensor other) => From(NativeMethods.FtTensor_Div_(Handle, other.Handle, out var r), r);

    /// <summary>this += value * a * b</summary>
    public Tensor addcmul_(Tensor a, Tensor b, double value = 1) => From(NativeMethods.FtTensor_Addcmul_(Handle, a.Handle, b.Handle, value, out var r), r);

    /// <summary>this += value * a / b</summary>
    public Tensor addcdiv_(Tensor a, Tensor b, double value = 1) => From(NativeMethods.FtTensor_Addcdiv_(Handle, a.Handle, b.Handle, value, out var r), r);

    /// <summary>this += weight * (end - this)</summary>
    public Tensor lerp_(Tensor end, double weight) => From(NativeMethods.FtTensor_Lerp_(Handle, end.Handle, weight, out var r), r);

    /// <summary>Copies values from source (broadcasting, converting dtype and device).</summary>
    public Tensor copy_(Tensor source) => From(NativeMethods.FtTensor_Copy_(Handle, source.Handle, out var r), r);

    /// <summary>Sets every element to value.</summary>
    public Tensor fill_(double value) => From(NativeMethods.FtTensor_Fill_(Handle, value, out var r), r);

    /// <summary>Sets every element to zero.</summary>
    public Tensor zero_() => From(NativeMethods.FtTensor_Zero_(Handle, out var r), r);

    /// <summary>Clamps in place into [min, max]; a null bound is open.</summary>
    public Tensor clamp_(double? min = null, double? max = null)
    {
        return From(NativeMethods.FtTensor_Clamp_(Handle, min.HasValue ? (byte)1 : (byte)0, min ?? 0, max.HasValue ? (byte)1 : (byte)0, max ?? 0, out var r), r);
    }

    /// <summary>Fills from U(low, high), from the generator when one is given.</summary>
    public Tensor uniform_(double low = 0, double high = 1, Generator? generator = null)
    {
        return From(NativeMethods.FtTensor_RandomFill_(Handle, 0, low, high, Generator.HandleOf(generator), out var r), r);
    }

    /// <summary>Fills from N(mean, std²), from the generator when one is given.</summary>
    public Tensor normal_(double mean = 0, double std = 1, Generator? generator = null)
    {
        return From(NativeMethods.FtTensor_RandomFill_(Handle, 1, mean, std, Generator.HandleOf(generator), out var r), r);
    }
}
