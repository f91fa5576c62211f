// ft_cuda.cpp — CUDA availability, device facts, caching-allocator statistics. Built without CUDA
// (Debian's CPU libtorch) the queries answer "no devices" and the memory calls report FT_ERR_UNSUPPORTED.
#include "ft_internal.h"

#include <cstring>

#ifdef FT_WITH_CUDA
#include <c10/cuda/CUDACachingAllocator.h>
#include <cuda_runtime_api.h>
#endif

extern "C"
{
    int32_t FtCuda_IsAvailable(uint8_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = torch::cuda::is_available() ? 1 : 0;
        FT_CATCH
    }

    int32_t FtCuda_DeviceCount(int32_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = static_cast<int32_t>(torch::cuda::device_count());
        FT_CATCH
    }

#ifdef FT_WITH_CUDA
    namespace
    {
    void CheckCuda(cudaError_t status, const char* what)
    {
        TORCH_CHECK(status == cudaSuccess, what, " failed: ", cudaGetErrorString(status));
    }

    // libtorch sets up the caching allocator lazily, at the first CUDA tensor; its settings fail before that
    // ("Allocator not initialized for device"). One small tensor on the device initializes it the same way in every
    // version.
    void InitializeAllocator(int32_t deviceIndex)
    {
        (void)at::empty(
            {1}, at::TensorOptions().device(c10::Device(c10::kCUDA, static_cast<c10::DeviceIndex>(deviceIndex))));
    }
    } // namespace

    int32_t FtCuda_DeviceInfo(int32_t deviceIndex, char* name, int64_t capacity, int64_t* totalBytes)
    {
        FT_TRY
        ft::RequireNotNull(name, "name");
        ft::RequireNotNull(totalBytes, "totalBytes");
        TORCH_CHECK(capacity > 0, "name buffer capacity must be positive");
        cudaDeviceProp props;
        CheckCuda(cudaGetDeviceProperties(&props, deviceIndex), "cudaGetDeviceProperties");
        std::strncpy(name, props.name, static_cast<size_t>(capacity - 1));
        name[capacity - 1] = '\0';
        *totalBytes = static_cast<int64_t>(props.totalGlobalMem);
        FT_CATCH
    }

    int32_t FtCuda_MemoryStats(int32_t deviceIndex, int64_t* allocated, int64_t* reserved, int64_t* maxAllocated,
                               int64_t* freeBytes, int64_t* totalBytes)
    {
        FT_TRY
        ft::RequireNotNull(allocated, "allocated");
        ft::RequireNotNull(reserved, "reserved");
        ft::RequireNotNull(maxAllocated, "maxAllocated");
        ft::RequireNotNull(freeBytes, "freeBytes");
        ft::RequireNotNull(totalBytes, "totalBytes");
        auto stats = c10::cuda::CUDACachingAllocator::getDeviceStats(deviceIndex);
        // Index 0 is StatType::AGGREGATE (all pools). The enum moved from c10::cuda::CUDACachingAllocator to
        // c10::CachingAllocator in libtorch 2.x, but its value never changed, so the index builds against both.
        constexpr size_t aggregate = 0;
        *allocated = stats.allocated_bytes[aggregate].current;
        *reserved = stats.reserved_bytes[aggregate].current;
        *maxAllocated = stats.allocated_bytes[aggregate].peak;
        int previous = 0;
        CheckCuda(cudaGetDevice(&previous), "cudaGetDevice");
        CheckCuda(cudaSetDevice(deviceIndex), "cudaSetDevice");
        size_t freeMem = 0;
        size_t totalMem = 0;
        auto status = cudaMemGetInfo(&freeMem, &totalMem);
        cudaSetDevice(previous);
        CheckCuda(status, "cudaMemGetInfo");
        *freeBytes = static_cast<int64_t>(freeMem);
        *totalBytes = static_cast<int64_t>(totalMem);
        FT_CATCH
    }

    int32_t FtCuda_EmptyCache(void)
    {
        FT_TRY
        c10::cuda::CUDACachingAllocator::emptyCache();
        FT_CATCH
    }

    int32_t FtCuda_Synchronize(int32_t deviceIndex)
    {
        FT_TRY
        torch::cuda::synchronize(deviceIndex);
        FT_CATCH
    }

    int32_t FtCuda_SetMemoryFraction(int32_t deviceIndex, double fraction)
    {
        FT_TRY
        TORCH_CHECK(fraction > 0 && fraction <= 1, "memory fraction must lie in (0, 1], got ", fraction);
        InitializeAllocator(deviceIndex);
        c10::cuda::CUDACachingAllocator::setMemoryFraction(fraction, static_cast<c10::DeviceIndex>(deviceIndex));
        FT_CATCH
    }

    int32_t FtCuda_ResetPeakStats(int32_t deviceIndex)
    {
        FT_TRY
        InitializeAllocator(deviceIndex);
        c10::cuda::CUDACachingAllocator::resetPeakStats(static_cast<c10::DeviceIndex>(deviceIndex));
        FT_CATCH
    }
#else
    namespace
    {
    int32_t NoCuda()
    {
        ft::SetError("this libtorch build has no CUDA support");
        return FT_ERR_UNSUPPORTED;
    }
    } // namespace

    int32_t FtCuda_DeviceInfo(int32_t, char*, int64_t, int64_t*)
    {
        return NoCuda();
    }

    int32_t FtCuda_MemoryStats(int32_t, int64_t*, int64_t*, int64_t*, int64_t*, int64_t*)
    {
        return NoCuda();
    }

    int32_t FtCuda_EmptyCache(void)
    {
        // Nothing is cached without CUDA, so emptying the cache trivially succeeds.
        return FT_OK;
    }

    int32_t FtCuda_Synchronize(int32_t)
    {
        return NoCuda();
    }

    int32_t FtCuda_SetMemoryFraction(int32_t, double)
    {
        return NoCuda();
    }

    int32_t FtCuda_ResetPeakStats(int32_t)
    {
        return NoCuda();
    }
#endif
}
