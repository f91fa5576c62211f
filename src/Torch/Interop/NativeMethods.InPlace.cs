using System.Runtime.InteropServices;
using FineTune.Torch.Handles;

namespace FineTune.Torch.Interop;

/// <summary>P/Invoke declarations of ft_inplace.cpp; each returns a new alias of the mutated tensor.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int FtTensor_Add_(TensorHandle tensor, TensorHandle other, double alpha, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_AddScalar_(TensorHandle tensor, double value, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Mul_(TensorHandle tensor, TensorHandle other, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_MulScalar_(TensorHandle tensor, double value, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Div_(TensorHandle tensor, TensorHandle other, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Addcmul_(TensorHandle tensor, TensorHandle a, TensorHandle b, double value, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Addcdiv_(TensorHandle tensor, TensorHandle a, TensorHandle b, double value, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Lerp_(TensorHandle tensor, TensorHandle end, double weight, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Copy_(TensorHandle tensor, TensorHandle source, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Fill_(TensorHandle tensor, double value, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Zero_(TensorHandle tensor, out TensorHandle result);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_Clamp_(TensorHandle tensor, byte hasMin, double min, byte hasMax, double max, out TensorHandle result);
}
