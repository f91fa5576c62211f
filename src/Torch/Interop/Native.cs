using System.Reflection;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;

namespace FineTune.Torch.Interop;

/// <summary>
/// Loads libtorchshim.so, checks its ABI version once, and turns native status codes into exceptions.
/// </summary>
internal static class Native
{
    internal const int ExpectedAbiVersion = 6;
    internal const int StatusOk = 0;
    internal const int StatusOutOfMemory = 2;
    internal const int StatusUnsupported = 6;
    private const string LibraryFile = "libtorchshim.so";

    /// <summary>Throws the exception that matches a non-zero status, with libtorch's message.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    internal static void Check(int status)
    {
        if (status != StatusOk)
        {
            Throw(status);
        }
    }

    [MethodImpl(MethodImplOptions.NoInlining)]
    private static void Throw(int status)
    {
        string message = Marshal.PtrToStringUTF8(NativeMethods.FtError_Message()) ?? "unknown libtorch error";
        if (status == StatusOutOfMemory)
        {
            throw new TorchOutOfMemoryException(message) { StatusCode = status };
        }
        throw new TorchException(message) { StatusCode = status };
    }

    // A library-level module initializer is the one place that runs before any P/Invoke binds, which is what a
    // DllImport resolver needs; CA2255 warns because initializers usually belong to apps.
#pragma warning disable CA2255
    [ModuleInitializer]
#pragma warning restore CA2255
    internal static void RegisterResolver()
    {
        NativeLibrary.SetDllImportResolver(typeof(Native).Assembly, Resolve);
    }

    private static IntPtr Resolve(string libraryName, Assembly assembly, DllImportSearchPath? searchPath)
    {
        if (libraryName != NativeMethods.Lib)
        {
            return IntPtr.Zero;
        }
        string path = FindLibrary();
        // libgomp and OpenBLAS read how their idle threads wait when they load, which is now.
        IdleThreadWaiting.BeforeLibrariesLoad();
        IntPtr library;
        try
        {
            library = NativeLibrary.Load(path);
        }
        catch (DllNotFoundException e)
        {
            throw new DllNotFoundException(
                $"could not load {path}: {e.Message}. Install libtorch (Debian: apt-get install libtorch-dev libopenblas0-pthread) or run ./test.sh, which installs it.",
                e);
        }
        CheckAbi(library, path);
        return library;
    }

    private static string FindLibrary()
    {
        string? overridePath = Environment.GetEnvironmentVariable("FINETUNE_TORCHSHIM");
        if (!string.IsNullOrEmpty(overridePath))
        {
            return overridePath;
        }
        string beside = Path.Combine(AppContext.BaseDirectory, LibraryFile);
        if (File.Exists(beside))
        {
            return beside;
        }
        return Path.Combine(Path.GetDirectoryName(typeof(Native).Assembly.Location) ?? AppContext.BaseDirectory, LibraryFile);
    }

    private static unsafe void CheckAbi(IntPtr library, string path)
    {
        var abiVersion = (delegate* unmanaged<int>)NativeLibrary.GetExport(library, "FtShim_AbiVersion");
        int actual = abiVersion();
        if (actual != ExpectedAbiVersion)
        {
            throw new DllNotFoundException(
                $"{path} has ABI version {actual} but FineTune.Torch expects {ExpectedAbiVersion}; rebuild with dotnet build");
        }
    }
}
