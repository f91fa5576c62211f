// ft_inplace.cpp — in-place ops an optimizer needs. Each mutates t and returns a new alias handle that the
// caller frees (STYLE.md rule 1: a returned tensor is always a new handle, never the argument itself).
#include "ft_internal.h"

#define FT_INPLACE_PRELUDE                                                                                             \
    ft::RequireNotNull(t, "t");                                                                                        \
    ft::RequireNotNull(out, "out");

extern "C"
{
    int32_t FtTensor_Add_(FtTensor* t, const FtTensor* other, double alpha, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        ft::RequireNotNull(other, "other");
        *out = ft::Wrap(at::Tensor(t->value.add_(other->value, alpha)));
        FT_CATCH
    }

    int32_t FtTensor_AddScalar_(FtTensor* t, double value, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        *out = ft::Wrap(at::Tensor(t->value.add_(value)));
        FT_CATCH
    }

    int32_t FtTensor_Mul_(FtTensor* t, const FtTensor* other, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        ft::RequireNotNull(other, "other");
        *out = ft::Wrap(at::Tensor(t->value.mul_(other->value)));
        FT_CATCH
    }

    int32_t FtTensor_MulScalar_(FtTensor* t, double value, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        *out = ft::Wrap(at::Tensor(t->value.mul_(value)));
        FT_CATCH
    }

    int32_t FtTensor_Div_(FtTensor* t, const FtTensor* other, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        ft::RequireNotNull(other, "other");
        *out = ft::Wrap(at::Tensor(t->value.div_(other->value)));
        FT_CATCH
    }

    int32_t FtTensor_Addcmul_(FtTensor* t, const FtTensor* a, const FtTensor* b, double value, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        ft::RequireNotNull(a, "a");
        ft::RequireNotNull(b, "b");
        *out = ft::Wrap(at::Tensor(t->value.addcmul_(a->value, b->value, value)));
        FT_CATCH
    }

    int32_t FtTensor_Addcdiv_(FtTensor* t, const FtTensor* a, const FtTensor* b, double value, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        ft::RequireNotNull(a, "a");
        ft::RequireNotNull(b, "b");
        *out = ft::Wrap(at::Tensor(t->value.addcdiv_(a->value, b->value, value)));
        FT_CATCH
    }

    int32_t FtTensor_Lerp_(FtTensor* t, const FtTensor* end, double weight, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        ft::RequireNotNull(end, "end");
        *out = ft::Wrap(at::Tensor(t->value.lerp_(end->value, weight)));
        FT_CATCH
    }

    int32_t FtTensor_Copy_(FtTensor* t, const FtTensor* src, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        ft::RequireNotNull(src, "src");
        *out = ft::Wrap(at::Tensor(t->value.copy_(src->value)));
        FT_CATCH
    }

    int32_t FtTensor_Fill_(FtTensor* t, double value, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        *out = ft::Wrap(at::Tensor(t->value.fill_(value)));
        FT_CATCH
    }

    int32_t FtTensor_Zero_(FtTensor* t, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        *out = ft::Wrap(at::Tensor(t->value.zero_()));
        FT_CATCH
    }

    int32_t FtTensor_Clamp_(FtTensor* t, uint8_t hasMin, double min, uint8_t hasMax, double max, FtTensor** out)
    {
        FT_TRY
        FT_INPLACE_PRELUDE
        auto lo = hasMin != 0 ? c10::optional<at::Scalar>(min) : c10::nullopt;
        auto hi = hasMax != 0 ? c10::optional<at::Scalar>(max) : c10::nullopt;
        *out = ft::Wrap(at::Tensor(t->value.clamp_(lo, hi)));
        FT_CATCH
    }
}
