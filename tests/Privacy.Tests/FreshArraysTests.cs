using System.Globalization;
using System.Runtime.InteropServices;

namespace FineTune.Privacy.Tests;

public sealed class FreshArraysTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(1000)]
    [InlineData(3 << 20)]
    public void Doubles_AnyLength_IsZeroedArrayOfThatLength(int length)
    {
        double[] array = FreshArrays.Doubles(length);

        Assert.Equal(length, array.Length);
        Assert.All(array, value => Assert.Equal(0.0, value));
    }

    [Fact]
    public void Doubles_Large_OnLinux_ItsRangeIsAdvisedOntoHugePages()
    {
        if (!OperatingSystem.IsLinux())
        {
            return; // madvise and /proc/self/smaps are Linux only; elsewhere the arrays are plain ones.
        }

        // 24 MiB: whole 2 MiB pages lie inside it wherever the heap puts it.
        double[] array = FreshArrays.Doubles(3 << 20);

        GCHandle handle = GCHandle.Alloc(array, GCHandleType.Pinned);
        try
        {
            long middle = handle.AddrOfPinnedObject().ToInt64() + (array.Length / 2 * sizeof(double));
            Assert.Contains("hg", VmFlagsAt(middle));
        }
        finally
        {
            handle.Free();
        }
    }

    // The VmFlags of the mapping holding `address` in /proc/self/smaps ("hg": advised MADV_HUGEPAGE).
    private static string[] VmFlagsAt(long address)
    {
        bool inside = false;
        foreach (string line in File.ReadLines("/proc/self/smaps"))
        {
            int dash = line.IndexOf('-', StringComparison.Ordinal);
            int space = line.IndexOf(' ', StringComparison.Ordinal);
            if (dash > 0 && space > dash && long.TryParse(line.AsSpan(0, dash), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long start)
                && long.TryParse(line.AsSpan(dash + 1, space - dash - 1), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out long end))
            {
                inside = address >= start && address < end;
            }
            else if (inside && line.StartsWith("VmFlags:", StringComparison.Ordinal))
            {
                return line["VmFlags:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            }
        }

        throw new InvalidOperationException("No mapping holds the array.");
    }
}
