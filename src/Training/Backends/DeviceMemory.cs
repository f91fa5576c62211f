namespace FineTune.Training.Backends;

/// <summary>The memory figures of one device a backend trains on, in bytes (the worker's GPU memory gauges).</summary>
/// <param name="AllocatedBytes">Bytes held by the backend's live buffers now.</param>
/// <param name="PeakAllocatedBytes">The highest <paramref name="AllocatedBytes"/> since the process started.</param>
/// <param name="TotalBytes">The device's memory.</param>
public sealed record DeviceMemory(long AllocatedBytes, long PeakAllocatedBytes, long TotalBytes);
