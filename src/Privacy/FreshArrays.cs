using System.Runtime.InteropServices;

namespace FineTune.Privacy;

/// <summary>
/// Large arrays for the PRV grid, backed by 2 MiB pages where the kernel allows it (Linux transparent huge pages
/// in "madvise" mode).
/// </summary>
/// <remarks>
/// A query touches tens of MB of fresh memory, and on 4 KiB pages the kernel's page faults cost about 3 ms of CPU
/// per MB on the development machine: a third of a query. A new large array lies untouched on the large object
/// heap (which does not move it), so advising its range MADV_HUGEPAGE before the first write lets each 2 MiB of it
/// arrive in one fault. Only a hint: where it is refused or not Linux, the array is the same, only slower.
/// </remarks>
internal static class FreshArrays
{
    // Below this the array may share pages with other objects and holds no whole 2 MiB page anyway.
    private const int MinimumLength = 1 << 19;

    private const long HugePageBytes = 2L << 20;

    private const int MadviseHugePage = 14;

    private static bool s_unavailable = !OperatingSystem.IsLinux();

    /// <summary>A zeroed array of <paramref name="length"/> doubles, advised onto huge pages if it is large.</summary>
    public static double[] Doubles(int length)
    {
        var array = new double[length];
        if (length >= MinimumLength && !s_unavailable)
        {
            Advise(array);
        }

        return array;
    }

    private static void Advise(double[] array)
    {
        GCHandle handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            long start = handle.AddrOfPinnedObject().ToInt64();
            long end = start + ((long)array.Length * sizeof(double));

            // Whole huge pages inside the array only: the advice must not reach memory of other objects.
            long first = (start + HugePageBytes - 1) & ~(HugePageBytes - 1);
            long last = end & ~(HugePageBytes - 1);
            if (last > first && Madvise((nint)first, (nuint)(last - first), MadviseHugePage) != 0)
            {
                s_unavailable = true;
            }
        }
        catch (EntryPointNotFoundException)
        {
            s_unavailable = true;
        }
        catch (DllNotFoundException)
        {
            s_unavailable = true;
        }
        finally
        {
            handle.Free();
        }
    }

    [DllImport("libc", EntryPoint = "madvise")]
    [DefaultDllImportSearchPaths(DllImportSearchPath.SafeDirectories)]
    private static extern int Madvise(nint address, nuint length, int advice);
}
