using System.Runtime.InteropServices;
using FineTune.Torch.Handles;

namespace FineTune.Torch.Interop;

/// <summary>P/Invoke declarations of ft_autograd.cpp.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int FtTensor_RequiresGrad(TensorHandle tensor, out byte requiresGrad);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_SetRequiresGrad(TensorHandle tensor, byte requiresGrad);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_IsLeaf(TensorHandle tensor, out byte isLeaf);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Grad(TensorHandle tensor, out TensorHandle grad);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_SetGrad(TensorHandle tensor, TensorHandle grad);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_RetainGrad(TensorHandle tensor);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Backward(TensorHandle tensor, TensorHandle gradient, byte retainGraph, byte createGraph);

    [LibraryImport(Lib)]
    internal static partial int FtAutograd_Grad(ReadOnlySpan<IntPtr> outputs, ReadOnlySpan<IntPtr> gradOutputs, long outputCount, ReadOnlySpan<IntPtr> inputs, long inputCount, byte retainGraph, byte createGraph, byte allowUnused, Span<IntPtr> results);
}
