using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>Tensor creation: from .NET data, constants, ranges and random numbers.</summary>
public static partial class torch
{
    private const int KindEmpty = 0, KindZeros = 1, KindOnes = 2;

    private static Tensor New(int kind, long[] shape, ScalarType dtype, Device? device, bool requiresGrad)
    {
        Device target = device ?? Device.CPU;
        return Wrap(NativeMethods.FtTensor_New(kind, shape, shape.Length, (int)dtype, (int)target.Type, target.Index, requiresGrad ? (byte)1 : (byte)0, out var r), r);
    }

    /// <summary>Uninitialised tensor.</summary>
    public static Tensor empty(long[] shape, ScalarType dtype = float32, Device? device = null, bool requiresGrad = false) => New(KindEmpty, shape, dtype, device, requiresGrad);

    /// <summary>Tensor of zeros.</summary>
    public static Tensor zeros(long[] shape, ScalarType dtype = float32, Device? device = null, bool requiresGrad = false) => New(KindZeros, shape, dtype, device, requiresGrad);

    /// <summary>Tensor of ones.</summary>
    public static Tensor ones(long[] shape, ScalarType dtype = float32, Device? device = null, bool requiresGrad = false) => New(KindOnes, shape, dtype, device, requiresGrad);

    /// <summary>Tensor filled with one value.</summary>
    public static Tensor full(long[] shape, double value, ScalarType dtype = float32, Device? device = null, bool requiresGrad = false)
    {
        Device target = device ?? Device.CPU;
        return Wrap(NativeMethods.FtTensor_Full(shape, shape.Length, value, (int)dtype, (int)target.Type, target.Index, requiresGrad ? (byte)1 : (byte)0, out var r), r);
    }

    /// <summary>Values start, start+step, ... below end (int64 by default, like torch.arange with integer bounds).</summary>
    public static Tensor arange(double start, double end, double step = 1, ScalarType dtype = int64, Device? device = null)
    {
        Device target = device ?? Device.CPU;
        return Wrap(NativeMethods.FtTensor_Arange(start, end, step, (int)dtype, (int)target.Type, target.Index, out var r), r);
    }

    /// <summary>0, 1, ..., end-1.</summary>
    public static Tensor arange(long end, ScalarType dtype = int64, Device? device = null) => arange(0, end, 1, dtype, device);

    /// <summary>Standard-normal samples, from the generator when one is given.</summary>
    public static Tensor randn(long[] shape, ScalarType dtype = float32, Device? device = null, Generator? generator = null, bool requiresGrad = false) => Random(1, shape, dtype, device, generator, requiresGrad);

    /// <summary>Uniform samples in [0, 1), from the generator when one is given.</summary>
    public static Tensor rand(long[] shape, ScalarType dtype = float32, Device? device = null, Generator? generator = null, bool requiresGrad = false) => Random(0, shape, dtype, device, generator, requiresGrad);

    private static Tensor Random(byte normal, long[] shape, ScalarType dtype, Device? device, Generator? generator, bool requiresGrad)
    {
        Device target = device ?? Device.CPU;
        return Wrap(NativeMethods.FtTensor_Random(normal, shape, shape.Length, (int)dtype, (int)target.Type, target.Index, Generator.HandleOf(generator), requiresGrad ? (byte)1 : (byte)0, out var r), r);
    }

    /// <summary>Samples <paramref name="samples"/> indices per row from (unnormalised) probabilities.</summary>
    public static Tensor multinomial(Tensor probabilities, long samples, bool replacement = false, Generator? generator = null)
    {
        ArgumentNullException.ThrowIfNull(probabilities);
        return Wrap(NativeMethods.FtTensor_Multinomial(probabilities.Handle, samples, replacement ? (byte)1 : (byte)0, Generator.HandleOf(generator), out var r), r);
    }

    /// <summary>A CPU tensor holding a copy of the values, with the given shape (1-D when omitted).</summary>
    public static Tensor tensor<T>(ReadOnlySpan<T> values, long[]? shape = null, bool requiresGrad = false)
        where T : unmanaged
    {
        Tensor result = frombuffer(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values), shape ?? [values.Length], ScalarTypeOf<T>());
        if (requiresGrad)
        {
            Native.Check(NativeMethods.FtTensor_SetRequiresGrad(result.Handle, 1));
        }
        return result;
    }

    /// <summary>A CPU tensor holding a copy of the values, with the given shape (1-D when omitted).</summary>
    public static Tensor tensor<T>(T[] values, long[]? shape = null, bool requiresGrad = false)
        where T : unmanaged
    {
        ArgumentNullException.ThrowIfNull(values);
        return tensor<T>(values.AsSpan(), shape, requiresGrad);
    }

    /// <summary>A one-element 0-d tensor.</summary>
    public static Tensor scalar_tensor(double value, ScalarType dtype = float32, Device? device = null) => full([], value, dtype, device);

    /// <summary>A CPU tensor copied from raw little-endian bytes of the given dtype (e.g. bf16 from safetensors).</summary>
    public static unsafe Tensor frombuffer(ReadOnlySpan<byte> bytes, long[] shape, ScalarType dtype)
    {
        ArgumentNullException.ThrowIfNull(shape);
        fixed (byte* pointer = bytes)
        {
            return Wrap(NativeMethods.FtTensor_FromData(pointer, bytes.Length, shape, shape.Length, (int)dtype, out var r), r);
        }
    }
}
