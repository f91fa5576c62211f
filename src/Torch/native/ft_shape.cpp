// ft_shape.cpp — views and shape ops. Each export returns a new handle that the caller frees.
#include "ft_internal.h"

#define FT_SHAPE_PRELUDE                                                                                               \
    ft::RequireNotNull(t, "t");                                                                                        \
    ft::RequireNotNull(out, "out");

extern "C"
{
    int32_t FtTensor_Reshape(const FtTensor* t, const int64_t* shape, int64_t ndim, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.reshape(ft::Shape(shape, ndim)));
        FT_CATCH
    }

    int32_t FtTensor_View(const FtTensor* t, const int64_t* shape, int64_t ndim, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.view(ft::Shape(shape, ndim)));
        FT_CATCH
    }

    int32_t FtTensor_Expand(const FtTensor* t, const int64_t* shape, int64_t ndim, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.expand(ft::Shape(shape, ndim)));
        FT_CATCH
    }

    int32_t FtTensor_Permute(const FtTensor* t, const int64_t* dims, int64_t ndim, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.permute(ft::Shape(dims, ndim)));
        FT_CATCH
    }

    int32_t FtTensor_Transpose(const FtTensor* t, int64_t dim0, int64_t dim1, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.transpose(dim0, dim1));
        FT_CATCH
    }

    int32_t FtTensor_Narrow(const FtTensor* t, int64_t dim, int64_t start, int64_t length, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.narrow(dim, start, length));
        FT_CATCH
    }

    int32_t FtTensor_Slice(const FtTensor* t, int64_t dim, int64_t start, int64_t end, int64_t step, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.slice(dim, start, end, step));
        FT_CATCH
    }

    int32_t FtTensor_Select(const FtTensor* t, int64_t dim, int64_t index, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.select(dim, index));
        FT_CATCH
    }

    int32_t FtTensor_IndexSelect(const FtTensor* t, int64_t dim, const FtTensor* index, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        ft::RequireNotNull(index, "index");
        ft::RequireSameDevice(index->value, t->value, "index");
        if (ft::NeedsMetaShapeOnly(t->value))
        {
            auto size = t->value.sizes().vec();
            size[c10::maybe_wrap_dim(dim, t->value.dim())] = index->value.numel();
            *out = ft::Wrap(at::empty(size, t->value.options()));
            return FT_OK;
        }
        *out = ft::Wrap(t->value.index_select(dim, index->value));
        FT_CATCH
    }

    int32_t FtTensor_Gather(const FtTensor* t, int64_t dim, const FtTensor* index, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        ft::RequireNotNull(index, "index");
        ft::RequireSameDevice(index->value, t->value, "index");
        *out = ft::Wrap(t->value.gather(dim, index->value));
        FT_CATCH
    }

    int32_t FtTensor_Unsqueeze(const FtTensor* t, int64_t dim, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.unsqueeze(dim));
        FT_CATCH
    }

    int32_t FtTensor_Squeeze(const FtTensor* t, int64_t dim, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.squeeze(dim));
        FT_CATCH
    }

    int32_t FtTensor_RepeatInterleave(const FtTensor* t, int64_t repeats, int64_t dim, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        // Each slice repeated in place, as expand + flatten (Hugging Face's repeat_kv): the same values as
        // repeat_interleave with a scalar count, and it runs on every device, meta included.
        TORCH_CHECK(repeats >= 0, "repeats must be non-negative, got ", repeats);
        const int64_t d = c10::maybe_wrap_dim(dim, t->value.dim());
        auto expandedSize = t->value.sizes().vec();
        expandedSize.insert(expandedSize.begin() + d + 1, repeats);
        *out = ft::Wrap(t->value.unsqueeze(d + 1).expand(expandedSize).flatten(d, d + 1));
        FT_CATCH
    }

    int32_t FtTensor_Tril(const FtTensor* t, int64_t diagonal, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.tril(diagonal));
        FT_CATCH
    }

    int32_t FtTensor_Triu(const FtTensor* t, int64_t diagonal, FtTensor** out)
    {
        FT_TRY
        FT_SHAPE_PRELUDE
        *out = ft::Wrap(t->value.triu(diagonal));
        FT_CATCH
    }

    int32_t FtTensor_Cat(const FtTensor* const* tensors, int64_t count, int64_t dim, uint8_t stack, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        auto list = ft::TensorList(tensors, count);
        *out = ft::Wrap(stack != 0 ? at::stack(list, dim) : at::cat(list, dim));
        FT_CATCH
    }

    int32_t FtTensor_SplitWithSizes(const FtTensor* t, const int64_t* sizes, int64_t count, int64_t dim,
                                    FtTensor** outs)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(outs, "outs");
        auto pieces = t->value.split_with_sizes(ft::Shape(sizes, count), dim);
        // Wrap only after the split succeeded, so a failure leaks no partial handles.
        for (size_t i = 0; i < pieces.size(); ++i)
        {
            outs[i] = ft::Wrap(std::move(pieces[i]));
        }
        FT_CATCH
    }
}
