using System.Runtime.InteropServices;

namespace FineTune.Torch.Interop;

/// <summary>P/Invoke declarations of ft_core.cpp. Names match the C exports exactly (see ft_shim.h).</summary>
internal static partial class NativeMethods
{
    internal const string Lib = "torchshim";

    [LibraryImport(Lib)]
    internal static partial int FtShim_AbiVersion();

    [LibraryImport(Lib)]
    internal static partial IntPtr FtError_Message();

    [LibraryImport(Lib)]
    internal static partial int FtShim_RaiseForTest(int kind);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_Version(out IntPtr version);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_Config(out IntPtr config);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_HasNativeSdpa(out byte hasSdpa);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_SetNumThreads(int threads);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_GetNumThreads(out int threads);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_SetBlasThreads(int threads, out byte applied);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_GetBlasThreads(out int threads);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_ManualSeed(long seed);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_SetGradEnabled(byte enabled);

    [LibraryImport(Lib)]
    internal static partial int FtTorch_IsGradEnabled(out byte enabled);

    [LibraryImport(Lib)]
    internal static partial int FtTensor_LiveCount(out long count);
}
