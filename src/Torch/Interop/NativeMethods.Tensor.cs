using System.Runtime.InteropServices;
using FineTune.Torch.Handles;

namespace FineTune.Torch.Interop;

/// <summary>P/Invoke declarations of ft_tensor.cpp.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial void FtTensor_Free(IntPtr tensor);

    [LibraryImport(Lib)]
    internal static unsafe partial int FtTensor_FromData(void* data, long byteLength, ReadOnlySpan<long> shape, long ndim, int dtype, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_New(int kind, ReadOnlySpan<long> shape, long ndim, int dtype, int deviceType, int deviceIndex, byte requiresGrad, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Full(ReadOnlySpan<long> shape, long ndim, double value, int dtype, int deviceType, int deviceIndex, byte requiresGrad, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Arange(double start, double end, double step, int dtype, int deviceType, int deviceIndex, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Random(byte normal, ReadOnlySpan<long> shape, long ndim, int dtype, int deviceType, int deviceIndex, GeneratorHandle generator, byte requiresGrad, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Multinomial(TensorHandle probs, long n, byte replacement, GeneratorHandle generator, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_RandomFill_(TensorHandle tensor, byte normal, double low, double high, GeneratorHandle generator, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Dim(TensorHandle tensor, out long dim);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Shape(TensorHandle tensor, Span<long> shape, long capacity);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Numel(TensorHandle tensor, out long numel);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_DType(TensorHandle tensor, out int dtype);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Device(TensorHandle tensor, out int deviceType, out int deviceIndex);

    [LibraryImport(Lib)]
    internal static unsafe partial int FtTensor_CopyToBuffer(TensorHandle tensor, void* destination, long byteLength);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_ItemDouble(TensorHandle tensor, out double value);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_ItemInt64(TensorHandle tensor, out long value);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_To(TensorHandle tensor, int dtype, int deviceType, int deviceIndex, byte copy, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Alias(TensorHandle tensor, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Clone(TensorHandle tensor, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Contiguous(TensorHandle tensor, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Detach(TensorHandle tensor, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtGenerator_New(long seed, int deviceType, int deviceIndex, out GeneratorHandle result);

    [LibraryImport(Lib)]
    internal static partial void FtGenerator_Free(IntPtr generator);

    [LibraryImport(Lib)]
    internal static partial int FtGenerator_GetState(GeneratorHandle generator, out TensorHandle state);

    [LibraryImport(Lib)]
    internal static partial int FtGenerator_SetState(GeneratorHandle generator, TensorHandle state);
}
