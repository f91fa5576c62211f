namespace FineTune.Torch;

/// <summary>CUDA memory of one device, in bytes.</summary>
/// <param name="AllocatedBytes">Bytes held by live tensors.</param>
/// <param name="ReservedBytes">Bytes the caching allocator holds from the driver.</param>
/// <param name="PeakAllocatedBytes">Highest AllocatedBytes so far.</param>
/// <param name="FreeBytes">Free device memory reported by the driver.</param>
/// <param name="TotalBytes">Total device memory.</param>
public sealed record CudaMemoryStats(long AllocatedBytes, long ReservedBytes, long PeakAllocatedBytes, long FreeBytes, long TotalBytes);
