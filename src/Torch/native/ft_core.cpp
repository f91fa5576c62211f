// ft_core.cpp — errors, version, threads, seeding and grad mode.
#include "ft_internal.h"

#include <torch/version.h>

#include <dlfcn.h>

#include <new>
#include <stdexcept>

namespace ft
{
std::atomic<int64_t> g_liveTensors{0};

namespace
{
thread_local std::string t_lastError;
thread_local std::string t_config;

// OpenBLAS keeps its own pthread pool beside libtorch's OpenMP one (Debian's libtorch links it; pip's CUDA builds
// link MKL instead, which follows at::set_num_threads). Looked up at run time so the shim needs no BLAS headers and
// still loads where there is no OpenBLAS. RTLD_DEFAULT searches this library's own dependencies too.
template <typename Function> Function OpenBlasFunction(const char* name)
{
    return reinterpret_cast<Function>(dlsym(RTLD_DEFAULT, name));
}
} // namespace

void SetError(const char* message)
{
    t_lastError = message != nullptr ? message : "";
}

std::vector<at::Tensor> TensorList(const FtTensor* const* tensors, int64_t count)
{
    RequireNotNull(tensors, "tensors");
    std::vector<at::Tensor> list;
    list.reserve(static_cast<size_t>(count));
    for (int64_t i = 0; i < count; ++i)
    {
        RequireNotNull(tensors[i], "tensors[i]");
        list.push_back(tensors[i]->value);
    }
    return list;
}
} // namespace ft

extern "C"
{
    int32_t FtShim_AbiVersion(void)
    {
        return FT_ABI_VERSION;
    }

    const char* FtError_Message(void)
    {
        return ft::t_lastError.c_str();
    }

    int32_t FtShim_RaiseForTest(int32_t kind)
    {
        FT_TRY
        switch (kind)
        {
        case FT_ERR_TORCH: TORCH_CHECK(false, "test error raised on purpose"); break;
        case FT_ERR_OOM: throw std::bad_alloc();
        case FT_ERR_STD: throw std::runtime_error("test std::runtime_error raised on purpose");
        case FT_ERR_UNKNOWN: throw 42;
        default: break;
        }
        FT_CATCH
    }

    int32_t FtTorch_Version(const char** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = TORCH_VERSION;
        FT_CATCH
    }

    int32_t FtTorch_Config(const char** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        ft::t_config = at::show_config();
        *out = ft::t_config.c_str();
        FT_CATCH
    }

    int32_t FtTorch_HasNativeSdpa(uint8_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = TORCH_VERSION_MAJOR >= 2 ? 1 : 0;
        FT_CATCH
    }

    int32_t FtTorch_SetNumThreads(int32_t threads)
    {
        FT_TRY
        TORCH_CHECK(threads > 0, "thread count must be positive, got ", threads);
        at::set_num_threads(threads);
        FT_CATCH
    }

    int32_t FtTorch_GetNumThreads(int32_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = at::get_num_threads();
        FT_CATCH
    }

    int32_t FtTorch_SetBlasThreads(int32_t threads, uint8_t* applied)
    {
        FT_TRY
        ft::RequireNotNull(applied, "applied");
        TORCH_CHECK(threads > 0, "BLAS thread count must be positive, got ", threads);
        static const auto set = ft::OpenBlasFunction<void (*)(int)>("openblas_set_num_threads");
        if (set != nullptr)
        {
            set(threads);
        }
        *applied = set != nullptr ? 1 : 0;
        FT_CATCH
    }

    int32_t FtTorch_GetBlasThreads(int32_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        // Looked up once: attention asks on every call on the CPU (AttentionKernel), and dlsym walks every library.
        static const auto get = ft::OpenBlasFunction<int (*)(void)>("openblas_get_num_threads");
        *out = get != nullptr ? get() : -1;
        FT_CATCH
    }

    int32_t FtTorch_ManualSeed(int64_t seed)
    {
        FT_TRY
        torch::manual_seed(static_cast<uint64_t>(seed));
        FT_CATCH
    }

    int32_t FtTorch_SetGradEnabled(uint8_t enabled)
    {
        FT_TRY
        at::GradMode::set_enabled(enabled != 0);
        FT_CATCH
    }

    int32_t FtTorch_IsGradEnabled(uint8_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = at::GradMode::is_enabled() ? 1 : 0;
        FT_CATCH
    }

    int32_t FtTensor_LiveCount(int64_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = ft::g_liveTensors.load(std::memory_order_relaxed);
        FT_CATCH
    }
}
