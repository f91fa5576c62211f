using System.Runtime.InteropServices;

namespace FineTune.Torch.Interop;

/// <summary>P/Invoke declarations of ft_cuda.cpp.</summary>
internal static partial class NativeMethods
{
    [LibraryImport(Lib)]
    internal static partial int FtCuda_IsAvailable(out byte available);

    [LibraryImport(Lib)]
    internal static partial int FtCuda_DeviceCount(out int count);

    [LibraryImport(Lib)]
    internal static partial int FtCuda_DeviceInfo(int deviceIndex, Span<byte> name, long capacity, out long totalBytes);

    [LibraryImport(Lib)]
    internal static partial int FtCuda_MemoryStats(int deviceIndex, out long allocated, out long reserved, out long maxAllocated, out long freeBytes, out long totalBytes);

    [LibraryImport(Lib)]
    internal static partial int FtCuda_EmptyCache();

    [LibraryImport(Lib)]
    internal static partial int FtCuda_Synchronize(int deviceIndex);

    [LibraryImport(Lib)]
    internal static partial int FtCuda_SetMemoryFraction(int deviceIndex, double fraction);

    [LibraryImport(Lib)]
    internal static partial int FtCuda_ResetPeakStats(int deviceIndex);
}
