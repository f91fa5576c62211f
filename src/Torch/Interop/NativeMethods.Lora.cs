using System.Runtime.InteropServices;
using FineTune.Torch.Handles;

namespace FineTune.Torch.Interop;

/// <summary>P/Invoke declarations of ft_lora.cpp.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int FtLora_DroppedLinear(TensorHandle x, TensorHandle keep, double p, TensorHandle weight, out TensorHandle result);
}
