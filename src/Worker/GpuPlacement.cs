namespace FineTune.Worker;

/// <summary>
/// How a worker spreads its jobs over its GPUs: one job per GPU. A worker offering <c>libtorch-cuda</c> runs one
/// claim loop (slot) per CUDA device unless <see cref="WorkerOptions.Slots"/> says otherwise; slot i trains on GPU i
/// unless the job chose its <c>device_index</c>; and the memory it offers per job is its smallest GPU's, because any
/// slot may claim any job and the job must fit the GPU it lands on. Pure functions of what the caller read from
/// libtorch, so they are tested without a GPU.
/// </summary>
public static class GpuPlacement
{
    /// <summary>
    /// Claim loops to run: <paramref name="configured"/> when set; else one per CUDA device when the worker offers
    /// CUDA (at least 1), else 1 (CPU training already uses every core for one job).
    /// </summary>
    public static int SlotCount(int? configured, bool offersCuda, int cudaDeviceCount)
    {
        if (configured is int slots)
        {
            return slots;
        }
        return offersCuda ? Math.Max(1, cudaDeviceCount) : 1;
    }

    /// <summary>
    /// Memory per job, in bytes: <paramref name="configured"/> when set; else the smallest GPU's total memory when the
    /// worker offers CUDA and has a GPU; else the host's memory.
    /// </summary>
    public static long MemoryPerJob(long? configured, bool offersCuda, IReadOnlyList<long> gpuTotalBytes, long hostBytes)
    {
        ArgumentNullException.ThrowIfNull(gpuTotalBytes);
        if (configured is long bytes)
        {
            return bytes;
        }
        return offersCuda && gpuTotalBytes.Count > 0 ? gpuTotalBytes.Min() : hostBytes;
    }
}
