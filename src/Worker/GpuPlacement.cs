using FineTune.Training.Backends;

namespace FineTune.Worker;

/// <summary>
/// How a worker spreads its jobs over the devices its backends train on (<see cref="ITrainingBackend.ListDevices"/>):
/// one job per device. It runs one claim loop (slot) per device unless <see cref="WorkerOptions.Slots"/> says
/// otherwise; slot i trains on device i (the backend's <see cref="ITrainingBackend.AssignDevice"/>) unless the job chose
/// its own; and the memory it offers per job is its smallest device's, because any slot may claim any job and the job
/// must fit the device it lands on. A worker whose backends train on the host has no devices: one slot, the host's
/// memory. Pure functions of what the backends reported, so they are tested without a GPU.
/// </summary>
public static class GpuPlacement
{
    /// <summary>
    /// Claim loops to run: <paramref name="configured"/> when set; else one per device (at least 1: CPU training
    /// already uses every core for one job).
    /// </summary>
    public static int SlotCount(int? configured, int deviceCount)
    {
        if (configured is int slots)
        {
            return slots;
        }
        return Math.Max(1, deviceCount);
    }

    /// <summary>
    /// Memory per job, in bytes: <paramref name="configured"/> when set; else the smallest device's total memory; else,
    /// with no devices, the host's memory.
    /// </summary>
    public static long MemoryPerJob(long? configured, IReadOnlyList<long> deviceBytes, long hostBytes)
    {
        ArgumentNullException.ThrowIfNull(deviceBytes);
        if (configured is long bytes)
        {
            return bytes;
        }
        return deviceBytes.Count > 0 ? deviceBytes.Min() : hostBytes;
    }

    /// <summary>
    /// What slot <paramref name="slot"/>'s server is named after: the device it trains on by default (slot mod the
    /// device count, as the backends assign them), or <c>cpu:slot</c> when the worker has no devices.
    /// </summary>
    public static string SlotDeviceId(IReadOnlyList<TrainingDevice> devices, int slot)
    {
        ArgumentNullException.ThrowIfNull(devices);
        ArgumentOutOfRangeException.ThrowIfNegative(slot);
        return devices.Count > 0 ? devices[slot % devices.Count].Id : $"cpu:{slot}";
    }
}
