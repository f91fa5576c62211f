// ft_internal.h — helpers shared by the shim's .cpp files; never included from C#-facing code.
// FT_TRY/FT_CATCH keep every C++ exception on this side of extern "C": the message goes into a
// thread-local string that FtError_Message() exposes, and the status code tells C# which exception to throw.
#pragma once

#include "ft_shim.h"

#include <torch/torch.h>
#include <torch/version.h>

#include <atomic>
#include <string>

struct FtTensor
{
    at::Tensor value;
};

struct FtGenerator
{
    at::Generator value;
    // The device the generator draws for. Equal to value.device() except for meta, where libtorch has no
    // generator of its own and a CPU one stands in: the device rule below is then still checked.
    c10::Device device;
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

// The generator for a random draw into a tensor on `target`. The device rule of DESIGN.md (a generator draws only
// into tensors of its own device type) is checked here with libtorch 2.x's message, so a CPU generator meeting a
// CUDA tensor fails the same way on the meta device in CI, where libtorch 1.13's meta kernels do not check it.
inline c10::optional<at::Generator> OptionalGenerator(FtGenerator* gen, const c10::Device& target)
{
    if (gen == nullptr)
    {
        return c10::optional<at::Generator>();
    }
    TORCH_CHECK(gen->device.type() == target.type(), "Expected a '", c10::DeviceTypeName(target.type(), true),
                "' device type for generator but found '", c10::DeviceTypeName(gen->device.type(), true), "'");
    return c10::optional<at::Generator>(gen->value);
}

// Index, mask and position tensors must live on the device of the tensor they address (CUDA kernels refuse a CPU
// index; the check makes the meta device refuse it too).
inline void RequireSameDevice(const at::Tensor& index, const at::Tensor& self, const char* what)
{
    const c10::Device a = index.device();
    const c10::Device b = self.device();
    // meta and cpu tensors may or may not carry index 0; only a type or a stated ordinal can differ.
    const bool same = a.type() == b.type() && (!a.has_index() || !b.has_index() || a.index() == b.index());
    TORCH_CHECK(same, what, " is on ", a, ", different from other tensors on ", b);
}

// Throws a c10::Error with a readable message when a required pointer is null.
inline void RequireNotNull(const void* p, const char* name)
{
    TORCH_CHECK(p != nullptr, "argument '", name, "' must not be null");
}

// libtorch's C++ library has no meta kernel for a few ops (index_select, embedding, where, logical_not, isfinite), and
// the meta device is how CI runs the engine's device paths without a GPU. There, these ops produce an empty meta tensor
// of the right shape (no autograd history: the tensors they read are frozen or are indices). Not only 1.13: 2.x
// registers several meta kernels from Python (torch._meta_registrations), which a C++ program never loads (seen on
// Debian's libtorch 2.6: "aten::index_select: attempted to run this operator with Meta tensors", then aten::where).
inline bool NeedsMetaShapeOnly(const at::Tensor& t)
{
    return t.is_meta();
}

// A meta tensor has no value: item() reads it as 0, so whole training steps (which log the loss and the gradient
// norm) run on the meta device in CI's device checks. Its element count is still checked, as item() would.
inline void RequireSingleElement(const at::Tensor& t)
{
    TORCH_CHECK(t.numel() == 1, "a Tensor with ", t.numel(), " elements cannot be converted to Scalar");
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
