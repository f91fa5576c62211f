// ft_internal.h — helpers shared by the shim's .cpp files; never included from C#-facing code.
// FT_TRY/FT_CATCH keep every C++ exception on this side of extern "C": the message goes into a
// thread-local string that FtError_Message() exposes, and the status code tells C# which exception to throw.
#pragma once

#include "ft_shim.h"

#include <torch/torch.h>

#include <atomic>
#include <string>

struct FtTensor
{
    at::Tensor value;
};

struct FtGenerator
{
    at::Generator value;
};

namespace ft
{
extern std::atomic<int64_t> g_liveTensors;
void SetError(const char* message);

// Wraps a tensor in a new handle that the caller owns.
inline FtTensor* Wrap(at::Tensor&& t)
{
    auto* handle = new FtTensor{std::move(t)};
    g_liveTensors.fetch_add(1, std::memory_order_relaxed);
    return handle;
}

inline FtTensor* WrapOrNull(at::Tensor&& t)
{
    return t.defined() ? Wrap(std::move(t)) : nullptr;
}

inline at::IntArrayRef Shape(const int64_t* shape, int64_t ndim)
{
    return at::IntArrayRef(shape, static_cast<size_t>(ndim));
}

inline at::TensorOptions Options(int32_t dtype, int32_t deviceType, int32_t deviceIndex)
{
    return at::TensorOptions()
        .dtype(static_cast<at::ScalarType>(dtype))
        .device(c10::Device(static_cast<c10::DeviceType>(deviceType), static_cast<c10::DeviceIndex>(deviceIndex)));
}

inline c10::optional<at::Generator> OptionalGenerator(FtGenerator* gen)
{
    return gen == nullptr ? c10::optional<at::Generator>() : c10::optional<at::Generator>(gen->value);
}

// Throws a c10::Error with a readable message when a required pointer is null.
inline void RequireNotNull(const void* p, const char* name)
{
    TORCH_CHECK(p != nullptr, "argument '", name, "' must not be null");
}

std::vector<at::Tensor> TensorList(const FtTensor* const* tensors, int64_t count);
} // namespace ft

// clang-format off
#define FT_TRY try {
#define FT_CATCH                                                                      \
    return FT_OK;                                                                     \
    }                                                                                 \
    catch (const c10::OutOfMemoryError& e) { ft::SetError(e.what_without_backtrace()); return FT_ERR_OOM; } \
    catch (const c10::Error& e) { ft::SetError(e.what_without_backtrace()); return FT_ERR_TORCH; }          \
    catch (const std::bad_alloc& e) { ft::SetError(e.what()); return FT_ERR_OOM; }                         \
    catch (const std::exception& e) { ft::SetError(e.what()); return FT_ERR_STD; }                         \
    catch (...) { ft::SetError("unknown native exception"); return FT_ERR_UNKNOWN; }
// clang-format on
