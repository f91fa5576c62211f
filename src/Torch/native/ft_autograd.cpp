// ft_autograd.cpp — requires_grad, backward, .grad and torch.autograd.grad.
#include "ft_internal.h"

extern "C"
{
    int32_t FtTensor_RequiresGrad(const FtTensor* t, uint8_t* out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = t->value.requires_grad() ? 1 : 0;
        FT_CATCH
    }

    int32_t FtTensor_SetRequiresGrad(FtTensor* t, uint8_t requiresGrad)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        t->value.requires_grad_(requiresGrad != 0);
        FT_CATCH
    }

    int32_t FtTensor_IsLeaf(const FtTensor* t, uint8_t* out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = t->value.is_leaf() ? 1 : 0;
        FT_CATCH
    }

    int32_t FtTensor_Grad(const FtTensor* t, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::WrapOrNull(at::Tensor(t->value.grad()));
        FT_CATCH
    }

    int32_t FtTensor_SetGrad(FtTensor* t, const FtTensor* grad)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        t->value.mutable_grad() = grad != nullptr ? grad->value : at::Tensor();
        FT_CATCH
    }

    int32_t FtTensor_RetainGrad(FtTensor* t)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        t->value.retain_grad();
        FT_CATCH
    }

    int32_t FtTensor_Backward(const FtTensor* t, const FtTensor* gradient, uint8_t retainGraph, uint8_t createGraph)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        auto grad = gradient != nullptr ? gradient->value : at::Tensor();
        t->value.backward(grad, c10::optional<bool>(retainGraph != 0), createGraph != 0);
        FT_CATCH
    }

    int32_t FtAutograd_Grad(const FtTensor* const* outputs, const FtTensor* const* gradOutputs, int64_t outputCount,
                            const FtTensor* const* inputs, int64_t inputCount, uint8_t retainGraph, uint8_t createGraph,
                            uint8_t allowUnused, FtTensor** results)
    {
        FT_TRY
        ft::RequireNotNull(results, "results");
        auto outs = ft::TensorList(outputs, outputCount);
        auto ins = ft::TensorList(inputs, inputCount);
        std::vector<at::Tensor> gradOuts(static_cast<size_t>(outputCount));
        if (gradOutputs != nullptr)
        {
            for (int64_t i = 0; i < outputCount; ++i)
            {
                gradOuts[static_cast<size_t>(i)] = gradOutputs[i] != nullptr ? gradOutputs[i]->value : at::Tensor();
            }
        }
        auto grads = torch::autograd::grad(outs, ins, gradOuts, c10::optional<bool>(retainGraph != 0), createGraph != 0,
                                           allowUnused != 0);
        for (size_t i = 0; i < grads.size(); ++i)
        {
            results[i] = ft::WrapOrNull(std::move(grads[i]));
        }
        FT_CATCH
    }
}
