// ft_tensor.cpp — tensor handles: creation, random numbers, properties, data in and out, generators.
#include "ft_internal.h"

#include <ATen/CPUGeneratorImpl.h>

#include <cstring>

#ifdef FT_WITH_CUDA
#include <ATen/cuda/CUDAGeneratorImpl.h>
#endif

extern "C"
{
    void FtTensor_Free(FtTensor* t)
    {
        if (t != nullptr)
        {
            delete t;
            ft::g_liveTensors.fetch_sub(1, std::memory_order_relaxed);
        }
    }

    int32_t FtTensor_FromData(const void* data, int64_t byteLength, const int64_t* shape, int64_t ndim, int32_t dtype,
                              FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        auto result = at::empty(ft::Shape(shape, ndim), at::TensorOptions().dtype(static_cast<at::ScalarType>(dtype)));
        const auto expected = static_cast<int64_t>(result.nbytes());
        TORCH_CHECK(byteLength == expected, "data holds ", byteLength, " bytes but shape ", result.sizes(), " of ",
                    result.scalar_type(), " needs ", expected);
        if (expected > 0)
        {
            ft::RequireNotNull(data, "data");
            std::memcpy(result.data_ptr(), data, static_cast<size_t>(expected));
        }
        *out = ft::Wrap(std::move(result));
        FT_CATCH
    }

    int32_t FtTensor_New(int32_t kind, const int64_t* shape, int64_t ndim, int32_t dtype, int32_t deviceType,
                         int32_t deviceIndex, uint8_t requiresGrad, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        auto options = ft::Options(dtype, deviceType, deviceIndex);
        auto size = ft::Shape(shape, ndim);
        at::Tensor result;
        switch (kind)
        {
        case 0: result = at::empty(size, options); break;
        case 1: result = at::zeros(size, options); break;
        case 2: result = at::ones(size, options); break;
        default: TORCH_CHECK(false, "unknown creation kind ", kind);
        }
        // at:: factories ignore requires_grad in their options; only the flag set afterwards makes a leaf.
        result.requires_grad_(requiresGrad != 0);
        *out = ft::Wrap(std::move(result));
        FT_CATCH
    }

    int32_t FtTensor_Full(const int64_t* shape, int64_t ndim, double value, int32_t dtype, int32_t deviceType,
                          int32_t deviceIndex, uint8_t requiresGrad, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        auto result = at::full(ft::Shape(shape, ndim), value, ft::Options(dtype, deviceType, deviceIndex));
        result.requires_grad_(requiresGrad != 0);
        *out = ft::Wrap(std::move(result));
        FT_CATCH
    }

    int32_t FtTensor_Arange(double start, double end, double step, int32_t dtype, int32_t deviceType,
                            int32_t deviceIndex, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::arange(start, end, step, ft::Options(dtype, deviceType, deviceIndex)));
        FT_CATCH
    }

    int32_t FtTensor_Random(uint8_t normal, const int64_t* shape, int64_t ndim, int32_t dtype, int32_t deviceType,
                            int32_t deviceIndex, FtGenerator* gen, uint8_t requiresGrad, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        auto options = ft::Options(dtype, deviceType, deviceIndex);
        auto size = ft::Shape(shape, ndim);
        auto result = normal != 0 ? at::randn(size, ft::OptionalGenerator(gen, options.device()), options)
                                  : at::rand(size, ft::OptionalGenerator(gen, options.device()), options);
        result.requires_grad_(requiresGrad != 0);
        *out = ft::Wrap(std::move(result));
        FT_CATCH
    }

    int32_t FtTensor_Multinomial(const FtTensor* probs, int64_t n, uint8_t replacement, FtGenerator* gen,
                                 FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(probs, "probs");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(
            at::multinomial(probs->value, n, replacement != 0, ft::OptionalGenerator(gen, probs->value.device())));
        FT_CATCH
    }

    int32_t FtTensor_RandomFill_(FtTensor* t, uint8_t normal, double low, double high, FtGenerator* gen, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        if (normal != 0)
        {
            t->value.normal_(low, high, ft::OptionalGenerator(gen, t->value.device()));
        }
        else
        {
            t->value.uniform_(low, high, ft::OptionalGenerator(gen, t->value.device()));
        }
        *out = ft::Wrap(at::Tensor(t->value));
        FT_CATCH
    }

    int32_t FtTensor_Dim(const FtTensor* t, int64_t* out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = t->value.dim();
        FT_CATCH
    }

    int32_t FtTensor_Shape(const FtTensor* t, int64_t* shape, int64_t capacity)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        auto sizes = t->value.sizes();
        for (int64_t i = 0; i < capacity && i < static_cast<int64_t>(sizes.size()); ++i)
        {
            shape[i] = sizes[static_cast<size_t>(i)];
        }
        FT_CATCH
    }

    int32_t FtTensor_Numel(const FtTensor* t, int64_t* out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = t->value.numel();
        FT_CATCH
    }

    int32_t FtTensor_DType(const FtTensor* t, int32_t* out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = static_cast<int32_t>(t->value.scalar_type());
        FT_CATCH
    }

    int32_t FtTensor_Device(const FtTensor* t, int32_t* deviceType, int32_t* deviceIndex)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(deviceType, "deviceType");
        ft::RequireNotNull(deviceIndex, "deviceIndex");
        auto device = t->value.device();
        *deviceType = static_cast<int32_t>(device.type());
        *deviceIndex = device.has_index() ? device.index() : 0;
        FT_CATCH
    }

    int32_t FtTensor_IsDefined(const FtTensor* t, uint8_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = t != nullptr && t->value.defined() ? 1 : 0;
        FT_CATCH
    }

    int32_t FtTensor_CopyToBuffer(const FtTensor* t, void* dst, int64_t byteLength)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        if (t->value.is_meta())
        {
            // A meta tensor has no values: it reads as zeros, as FtTensor_ItemDouble does, so whole steps run on meta.
            const auto bytes = static_cast<int64_t>(t->value.numel()) * static_cast<int64_t>(t->value.element_size());
            TORCH_CHECK(byteLength == bytes, "buffer holds ", byteLength, " bytes but the tensor has ", bytes);
            if (bytes > 0)
            {
                ft::RequireNotNull(dst, "dst");
                std::memset(dst, 0, static_cast<size_t>(bytes));
            }
            return FT_OK;
        }
        // CPU-GPU sync point when t lives on CUDA.
        auto cpu = t->value.detach().to(at::kCPU).contiguous();
        const auto expected = static_cast<int64_t>(cpu.nbytes());
        TORCH_CHECK(byteLength == expected, "buffer holds ", byteLength, " bytes but the tensor has ", expected);
        if (expected > 0)
        {
            ft::RequireNotNull(dst, "dst");
            std::memcpy(dst, cpu.data_ptr(), static_cast<size_t>(expected));
        }
        FT_CATCH
    }

    int32_t FtTensor_ItemDouble(const FtTensor* t, double* out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        if (t->value.is_meta())
        {
            ft::RequireSingleElement(t->value);
            *out = 0;
            return FT_OK;
        }
        *out = t->value.item().toDouble();
        FT_CATCH
    }

    int32_t FtTensor_ItemInt64(const FtTensor* t, int64_t* out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        if (t->value.is_meta())
        {
            ft::RequireSingleElement(t->value);
            *out = 0;
            return FT_OK;
        }
        *out = t->value.item().toLong();
        FT_CATCH
    }

    int32_t FtTensor_To(const FtTensor* t, int32_t dtype, int32_t deviceType, int32_t deviceIndex, uint8_t copy,
                        FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        auto device = c10::Device(static_cast<c10::DeviceType>(deviceType), static_cast<c10::DeviceIndex>(deviceIndex));
        // When nothing changes to() returns t itself; the new handle then shares t's TensorImpl (an alias).
        *out = ft::Wrap(t->value.to(device, static_cast<at::ScalarType>(dtype), false, copy != 0));
        FT_CATCH
    }

    int32_t FtTensor_Alias(const FtTensor* t, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        // A new at::Tensor referring to the same TensorImpl keeps autograd identity (grad, requires_grad).
        *out = ft::Wrap(at::Tensor(t->value));
        FT_CATCH
    }

    int32_t FtTensor_Clone(const FtTensor* t, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(t->value.clone());
        FT_CATCH
    }

    int32_t FtTensor_Contiguous(const FtTensor* t, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::Tensor(t->value.contiguous()));
        FT_CATCH
    }

    int32_t FtTensor_Detach(const FtTensor* t, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(t->value.detach());
        FT_CATCH
    }

    int32_t FtGenerator_New(int64_t seed, int32_t deviceType, int32_t deviceIndex, FtGenerator** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        const c10::Device device(static_cast<c10::DeviceType>(deviceType), static_cast<c10::DeviceIndex>(deviceIndex));
        if (deviceType == FT_DEVICE_CPU || deviceType == FT_DEVICE_META)
        {
            // Meta tensors hold no data, so a CPU generator stands in for meta (see FtGenerator::device).
            *out = new FtGenerator{at::detail::createCPUGenerator(static_cast<uint64_t>(seed)), device};
        }
        else
        {
#ifdef FT_WITH_CUDA
            auto gen = at::cuda::detail::createCUDAGenerator(static_cast<c10::DeviceIndex>(deviceIndex));
            gen.set_current_seed(static_cast<uint64_t>(seed));
            *out = new FtGenerator{gen, device};
#else
            (void)deviceIndex;
            TORCH_CHECK(false, "this libtorch build has no CUDA generator (device type ", deviceType, ")");
#endif
        }
        FT_CATCH
    }

    void FtGenerator_Free(FtGenerator* g)
    {
        delete g;
    }

    int32_t FtGenerator_GetState(const FtGenerator* g, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(g, "g");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(g->value.get_state());
        FT_CATCH
    }

    int32_t FtGenerator_SetState(FtGenerator* g, const FtTensor* state)
    {
        FT_TRY
        ft::RequireNotNull(g, "g");
        ft::RequireNotNull(state, "state");
        g->value.set_state(state->value);
        FT_CATCH
    }
}
