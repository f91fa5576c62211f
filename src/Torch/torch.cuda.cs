using System.Text;
using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>CUDA queries, at <c>torch.cuda</c>.</summary>
public static partial class torch
{
    /// <summary>CUDA availability, devices and caching-allocator memory.</summary>
    public static class cuda
    {
        /// <summary>Whether libtorch was built with CUDA and sees at least one device.</summary>
        public static bool is_available()
        {
            Native.Check(NativeMethods.FtCuda_IsAvailable(out byte available));
            return available != 0;
        }

        /// <summary>Number of visible CUDA devices (0 on a CPU build).</summary>
        public static int device_count()
        {
            Native.Check(NativeMethods.FtCuda_DeviceCount(out int count));
            return count;
        }

        /// <summary>The device's name and total memory in bytes.</summary>
        public static (string name, long totalBytes) get_device_info(int deviceIndex = 0)
        {
            Span<byte> name = stackalloc byte[256];
            Native.Check(NativeMethods.FtCuda_DeviceInfo(deviceIndex, name, name.Length, out long total));
            int length = name.IndexOf((byte)0);
            return (Encoding.UTF8.GetString(name[..(length < 0 ? name.Length : length)]), total);
        }

        /// <summary>Allocator statistics of a device, in bytes.</summary>
        public static CudaMemoryStats memory_stats(int deviceIndex = 0)
        {
            Native.Check(NativeMethods.FtCuda_MemoryStats(deviceIndex, out long allocated, out long reserved, out long peak, out long free, out long total));
            return new CudaMemoryStats(allocated, reserved, peak, free, total);
        }

        /// <summary>Returns cached, unused blocks to the driver (call between jobs).</summary>
        public static void empty_cache() => Native.Check(NativeMethods.FtCuda_EmptyCache());

        /// <summary>Waits for all kernels on the device to finish.</summary>
        public static void synchronize(int deviceIndex = 0) => Native.Check(NativeMethods.FtCuda_Synchronize(deviceIndex));

        /// <summary>
        /// Caps this process's share of the device's memory at <paramref name="fraction"/> in (0, 1]; allocations past
        /// it raise <see cref="TorchOutOfMemoryException"/> (to share a GPU, or to force the out-of-memory path).
        /// </summary>
        public static void set_per_process_memory_fraction(double fraction, int deviceIndex = 0) =>
            Native.Check(NativeMethods.FtCuda_SetMemoryFraction(deviceIndex, fraction));

        /// <summary>Starts the peak figure of <see cref="memory_stats"/> afresh from the current allocation.</summary>
        public static void reset_peak_memory_stats(int deviceIndex = 0) => Native.Check(NativeMethods.FtCuda_ResetPeakStats(deviceIndex));
    }
}
