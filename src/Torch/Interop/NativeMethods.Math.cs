using System.Runtime.InteropServices;
using FineTune.Torch.Handles;

namespace FineTune.Torch.Interop;

/// <summary>P/Invoke declarations of ft_math.cpp; op codes mirror the FT_UNARY_*, FT_BINARY_* and FT_REDUCE_* defines.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int FtTensor_Unary(TensorHandle tensor, int op, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Binary(TensorHandle a, TensorHandle b, int op, double alpha, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_BinaryScalar(TensorHandle a, double b, int op, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Matmul(TensorHandle a, TensorHandle b, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Bmm(TensorHandle a, TensorHandle b, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Linear(TensorHandle x, TensorHandle weight, TensorHandle bias, out TensorHandle result);

    [LibraryImport(Lib, StringMarshalling = StringMarshalling.Utf8)]
    internal static partial int FtTensor_Einsum(string equation, ReadOnlySpan<IntPtr> tensors, long count, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Where(TensorHandle condition, TensorHandle a, TensorHandle b, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_MaskedFill(TensorHandle tensor, TensorHandle mask, double value, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Clamp(TensorHandle tensor, byte hasMin, double min, byte hasMax, double max, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Reduce(TensorHandle tensor, int op, ReadOnlySpan<long> dims, long ndims, byte keepdim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Norm(TensorHandle tensor, double p, ReadOnlySpan<long> dims, long ndims, byte keepdim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_MaxDim(TensorHandle tensor, long dim, byte keepdim, out TensorHandle values, out TensorHandle indices);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Argmax(TensorHandle tensor, long dim, byte keepdim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Topk(TensorHandle tensor, long k, long dim, byte largest, out TensorHandle values, out TensorHandle indices);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Sort(TensorHandle tensor, long dim, byte descending, out TensorHandle values, out TensorHandle indices);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Cumsum(TensorHandle tensor, long dim, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Softmax(TensorHandle tensor, long dim, byte log, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Embedding(TensorHandle weight, TensorHandle indices, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_CrossEntropy(TensorHandle logits, TensorHandle targets, long ignoreIndex, int reduction, double labelSmoothing, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Dropout(TensorHandle tensor, double p, byte train, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_ScaledDotProductAttention(TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle mask, double dropoutP, byte isCausal, byte enableGqa, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_VarlenFlashAttention(TensorHandle q, TensorHandle k, TensorHandle v, TensorHandle cuSeqLens, long maxLength, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_HasVarlenFlashAttention(out byte hasVarlen);
}
