using System.Runtime.InteropServices;
using FineTune.Torch.Handles;

namespace FineTune.Torch.Interop;

/// <summary>P/Invoke declarations of ft_shape.cpp.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int FtTensor_Reshape(TensorHandle tensor, ReadOnlySpan<long> shape, long ndim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_View(TensorHandle tensor, ReadOnlySpan<long> shape, long ndim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Expand(TensorHandle tensor, ReadOnlySpan<long> shape, long ndim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Permute(TensorHandle tensor, ReadOnlySpan<long> dims, long ndim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Transpose(TensorHandle tensor, long dim0, long dim1, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Narrow(TensorHandle tensor, long dim, long start, long length, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Slice(TensorHandle tensor, long dim, long start, long end, long step, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Select(TensorHandle tensor, long dim, long index, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_IndexSelect(TensorHandle tensor, long dim, TensorHandle index, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Gather(TensorHandle tensor, long dim, TensorHandle index, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Unsqueeze(TensorHandle tensor, long dim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Squeeze(TensorHandle tensor, long dim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_RepeatInterleave(TensorHandle tensor, long repeats, long dim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Tril(TensorHandle tensor, long diagonal, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Triu(TensorHandle tensor, long diagonal, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Cat(ReadOnlySpan<IntPtr> tensors, long count, long dim, byte stack, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_SplitWithSizes(TensorHandle tensor, ReadOnlySpan<long> sizes, long count, long dim, Span<IntPtr> results);
}
