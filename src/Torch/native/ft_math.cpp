// ft_math.cpp — elementwise, linear algebra, reductions and the NN functions a Llama-family trainer uses.
// Each export returns a new handle that the caller frees. Unary and binary ops share one export each,
// selected by an op code, because each branch is still a single libtorch call.
#include "ft_internal.h"

#include <torch/version.h>

namespace
{
at::Tensor Unary(const at::Tensor& t, int32_t op)
{
    switch (op)
    {
    case FT_UNARY_NEG: return t.neg();
    case FT_UNARY_EXP: return t.exp();
    case FT_UNARY_LOG: return t.log();
    case FT_UNARY_SQRT: return t.sqrt();
    case FT_UNARY_RSQRT: return t.rsqrt();
    case FT_UNARY_COS: return t.cos();
    case FT_UNARY_SIN: return t.sin();
    case FT_UNARY_TANH: return t.tanh();
    case FT_UNARY_SIGMOID: return t.sigmoid();
    case FT_UNARY_SILU: return at::silu(t);
    case FT_UNARY_RELU: return t.relu();
    case FT_UNARY_ABS: return t.abs();
    case FT_UNARY_GELU: return at::gelu(t, "none");
    case FT_UNARY_GELU_TANH: return at::gelu(t, "tanh");
    case FT_UNARY_RECIPROCAL: return t.reciprocal();
    case FT_UNARY_ISFINITE: return t.isfinite();
    case FT_UNARY_LOGICAL_NOT: return t.logical_not();
    case FT_UNARY_SQUARE: return t.square();
    default: TORCH_CHECK(false, "unknown unary op code ", op);
    }
}

at::Tensor Binary(const at::Tensor& a, const at::Tensor& b, int32_t op, double alpha)
{
    switch (op)
    {
    case FT_BINARY_ADD: return at::add(a, b, alpha);
    case FT_BINARY_SUB: return at::sub(a, b, alpha);
    case FT_BINARY_MUL: return at::mul(a, b);
    case FT_BINARY_DIV: return at::div(a, b);
    case FT_BINARY_POW: return at::pow(a, b);
    case FT_BINARY_MAXIMUM: return at::maximum(a, b);
    case FT_BINARY_MINIMUM: return at::minimum(a, b);
    case FT_BINARY_EQ: return at::eq(a, b);
    case FT_BINARY_NE: return at::ne(a, b);
    case FT_BINARY_LT: return at::lt(a, b);
    case FT_BINARY_LE: return at::le(a, b);
    case FT_BINARY_GT: return at::gt(a, b);
    case FT_BINARY_GE: return at::ge(a, b);
    case FT_BINARY_LOGICAL_AND: return at::logical_and(a, b);
    case FT_BINARY_LOGICAL_OR: return at::logical_or(a, b);
    default: TORCH_CHECK(false, "unknown binary op code ", op);
    }
}

at::Tensor BinaryScalar(const at::Tensor& a, const at::Scalar& b, int32_t op)
{
    switch (op)
    {
    case FT_BINARY_ADD: return at::add(a, b);
    case FT_BINARY_SUB: return at::sub(a, b);
    case FT_BINARY_MUL: return at::mul(a, b);
    case FT_BINARY_DIV: return at::div(a, b);
    case FT_BINARY_POW: return at::pow(a, b);
    case FT_BINARY_MAXIMUM: return at::clamp_min(a, b);
    case FT_BINARY_MINIMUM: return at::clamp_max(a, b);
    case FT_BINARY_EQ: return at::eq(a, b);
    case FT_BINARY_NE: return at::ne(a, b);
    case FT_BINARY_LT: return at::lt(a, b);
    case FT_BINARY_LE: return at::le(a, b);
    case FT_BINARY_GT: return at::gt(a, b);
    case FT_BINARY_GE: return at::ge(a, b);
    default: TORCH_CHECK(false, "binary op code ", op, " has no scalar form");
    }
}

at::Tensor Reduce(const at::Tensor& t, int32_t op, at::IntArrayRef dims, bool keepdim)
{
    const bool all = dims.empty();
    switch (op)
    {
    case FT_REDUCE_SUM: return all ? t.sum() : t.sum(dims, keepdim);
    case FT_REDUCE_MEAN: return all ? t.mean() : t.mean(dims, keepdim);
    case FT_REDUCE_AMAX: return all ? t.max() : t.amax(dims, keepdim);
    case FT_REDUCE_AMIN: return all ? t.min() : t.amin(dims, keepdim);
    default: TORCH_CHECK(false, "unknown reduction op code ", op);
    }
}

c10::optional<at::Scalar> OptionalScalar(uint8_t has, double value)
{
    return has != 0 ? c10::optional<at::Scalar>(value) : c10::nullopt;
}
} // namespace

extern "C"
{
    int32_t FtTensor_Unary(const FtTensor* t, int32_t op, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        if (ft::NeedsMetaShapeOnly(t->value) && (op == FT_UNARY_LOGICAL_NOT || op == FT_UNARY_ISFINITE))
        {
            *out = ft::Wrap(at::empty_like(t->value, t->value.options().dtype(at::kBool)));
            return FT_OK;
        }
        *out = ft::Wrap(Unary(t->value, op));
        FT_CATCH
    }

    int32_t FtTensor_Binary(const FtTensor* a, const FtTensor* b, int32_t op, double alpha, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(a, "a");
        ft::RequireNotNull(b, "b");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(Binary(a->value, b->value, op, alpha));
        FT_CATCH
    }

    int32_t FtTensor_BinaryScalar(const FtTensor* a, double b, int32_t op, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(a, "a");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(BinaryScalar(a->value, b, op));
        FT_CATCH
    }

    int32_t FtTensor_Matmul(const FtTensor* a, const FtTensor* b, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(a, "a");
        ft::RequireNotNull(b, "b");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::matmul(a->value, b->value));
        FT_CATCH
    }

    int32_t FtTensor_Bmm(const FtTensor* a, const FtTensor* b, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(a, "a");
        ft::RequireNotNull(b, "b");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::bmm(a->value, b->value));
        FT_CATCH
    }

    int32_t FtTensor_Linear(const FtTensor* x, const FtTensor* weight, const FtTensor* bias, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(x, "x");
        ft::RequireNotNull(weight, "weight");
        ft::RequireNotNull(out, "out");
        auto b = bias != nullptr ? c10::optional<at::Tensor>(bias->value) : c10::nullopt;
        *out = ft::Wrap(at::linear(x->value, weight->value, b));
        FT_CATCH
    }

    int32_t FtTensor_Einsum(const char* equation, const FtTensor* const* tensors, int64_t count, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(equation, "equation");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::einsum(equation, ft::TensorList(tensors, count)));
        FT_CATCH
    }

    int32_t FtTensor_Where(const FtTensor* condition, const FtTensor* a, const FtTensor* b, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(condition, "condition");
        ft::RequireNotNull(a, "a");
        ft::RequireNotNull(b, "b");
        ft::RequireNotNull(out, "out");
        ft::RequireSameDevice(condition->value, a->value, "condition");
        if (ft::NeedsMetaShapeOnly(a->value))
        {
            *out = ft::Wrap(
                at::empty(at::infer_size(at::infer_size(condition->value.sizes(), a->value.sizes()), b->value.sizes()),
                          a->value.options()));
            return FT_OK;
        }
        *out = ft::Wrap(at::where(condition->value, a->value, b->value));
        FT_CATCH
    }

    int32_t FtTensor_MaskedFill(const FtTensor* t, const FtTensor* mask, double value, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(mask, "mask");
        ft::RequireNotNull(out, "out");
        ft::RequireSameDevice(mask->value, t->value, "mask");
        *out = ft::Wrap(t->value.masked_fill(mask->value, value));
        FT_CATCH
    }

    int32_t FtTensor_Clamp(const FtTensor* t, uint8_t hasMin, double min, uint8_t hasMax, double max, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::clamp(t->value, OptionalScalar(hasMin, min), OptionalScalar(hasMax, max)));
        FT_CATCH
    }

    int32_t FtTensor_Reduce(const FtTensor* t, int32_t op, const int64_t* dims, int64_t ndims, uint8_t keepdim,
                            FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(Reduce(t->value, op, ft::Shape(dims, ndims), keepdim != 0));
        FT_CATCH
    }

    int32_t FtTensor_Norm(const FtTensor* t, double p, const int64_t* dims, int64_t ndims, uint8_t keepdim,
                          FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        auto dim = ndims > 0 ? at::OptionalIntArrayRef(ft::Shape(dims, ndims)) : at::OptionalIntArrayRef();
        *out = ft::Wrap(at::linalg_vector_norm(t->value, p, dim, keepdim != 0));
        FT_CATCH
    }

    int32_t FtTensor_MaxDim(const FtTensor* t, int64_t dim, uint8_t keepdim, FtTensor** values, FtTensor** indices)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(values, "values");
        ft::RequireNotNull(indices, "indices");
        auto result = at::max(t->value, dim, keepdim != 0);
        *values = ft::Wrap(std::move(std::get<0>(result)));
        *indices = ft::Wrap(std::move(std::get<1>(result)));
        FT_CATCH
    }

    int32_t FtTensor_Argmax(const FtTensor* t, int64_t dim, uint8_t keepdim, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::argmax(t->value, dim, keepdim != 0));
        FT_CATCH
    }

    int32_t FtTensor_Topk(const FtTensor* t, int64_t k, int64_t dim, uint8_t largest, FtTensor** values,
                          FtTensor** indices)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(values, "values");
        ft::RequireNotNull(indices, "indices");
        auto result = at::topk(t->value, k, dim, largest != 0, true);
        *values = ft::Wrap(std::move(std::get<0>(result)));
        *indices = ft::Wrap(std::move(std::get<1>(result)));
        FT_CATCH
    }

    int32_t FtTensor_Sort(const FtTensor* t, int64_t dim, uint8_t descending, FtTensor** values, FtTensor** indices)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(values, "values");
        ft::RequireNotNull(indices, "indices");
        auto result = at::sort(t->value, dim, descending != 0);
        *values = ft::Wrap(std::move(std::get<0>(result)));
        *indices = ft::Wrap(std::move(std::get<1>(result)));
        FT_CATCH
    }

    int32_t FtTensor_Cumsum(const FtTensor* t, int64_t dim, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::cumsum(t->value, dim));
        FT_CATCH
    }

    int32_t FtTensor_Softmax(const FtTensor* t, int64_t dim, uint8_t log, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(log != 0 ? at::log_softmax(t->value, dim) : at::softmax(t->value, dim));
        FT_CATCH
    }

    int32_t FtTensor_Embedding(const FtTensor* weight, const FtTensor* indices, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(weight, "weight");
        ft::RequireNotNull(indices, "indices");
        ft::RequireNotNull(out, "out");
        ft::RequireSameDevice(indices->value, weight->value, "index");
        if (ft::NeedsMetaShapeOnly(weight->value))
        {
            auto size = indices->value.sizes().vec();
            size.push_back(weight->value.size(1));
            *out = ft::Wrap(at::empty(size, weight->value.options()));
            return FT_OK;
        }
        *out = ft::Wrap(at::embedding(weight->value, indices->value));
        FT_CATCH
    }

    int32_t FtTensor_CrossEntropy(const FtTensor* logits, const FtTensor* targets, int64_t ignoreIndex,
                                  int32_t reduction, double labelSmoothing, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(logits, "logits");
        ft::RequireNotNull(targets, "targets");
        ft::RequireNotNull(out, "out");
        TORCH_CHECK(reduction >= FT_REDUCTION_NONE && reduction <= FT_REDUCTION_SUM, "unknown reduction ", reduction);
        ft::RequireSameDevice(targets->value, logits->value, "target");
        *out = ft::Wrap(at::cross_entropy_loss(logits->value, targets->value, c10::nullopt, reduction, ignoreIndex,
                                               labelSmoothing));
        FT_CATCH
    }

    int32_t FtTensor_Dropout(const FtTensor* t, double p, uint8_t train, FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(t, "t");
        ft::RequireNotNull(out, "out");
        *out = ft::Wrap(at::dropout(t->value, p, train != 0));
        FT_CATCH
    }

    int32_t FtTensor_ScaledDotProductAttention(const FtTensor* q, const FtTensor* k, const FtTensor* v,
                                               const FtTensor* mask, double dropoutP, uint8_t isCausal,
                                               uint8_t enableGqa, FtTensor** out)
    {
#if TORCH_VERSION_MAJOR >= 2
        FT_TRY
        ft::RequireNotNull(q, "q");
        ft::RequireNotNull(k, "k");
        ft::RequireNotNull(v, "v");
        ft::RequireNotNull(out, "out");
        if (mask != nullptr)
        {
            ft::RequireSameDevice(mask->value, q->value, "attention mask");
        }
        auto m = mask != nullptr ? c10::optional<at::Tensor>(mask->value) : c10::nullopt;
#if TORCH_VERSION_MAJOR > 2 || TORCH_VERSION_MINOR >= 5
        // The kernels read each key/value head once for its group of query heads: no repeated copies are written,
        // and autograd keeps k and v at their own size.
        *out = ft::Wrap(at::scaled_dot_product_attention(q->value, k->value, v->value, m, dropoutP, isCausal != 0,
                                                         c10::nullopt, enableGqa != 0));
#else
        at::Tensor key = k->value;
        at::Tensor value = v->value;
        if (enableGqa != 0 && key.size(-3) != q->value.size(-3))
        {
            TORCH_CHECK(q->value.size(-3) % key.size(-3) == 0 && key.size(-3) == value.size(-3),
                        "grouped-query attention needs query heads divisible by key/value heads");
            int64_t groups = q->value.size(-3) / key.size(-3);
            key = key.repeat_interleave(groups, -3);
            value = value.repeat_interleave(groups, -3);
        }
        *out = ft::Wrap(at::scaled_dot_product_attention(q->value, key, value, m, dropoutP, isCausal != 0));
#endif
        FT_CATCH
#else
        (void)q, (void)k, (void)v, (void)mask, (void)dropoutP, (void)isCausal, (void)enableGqa, (void)out;
        ft::SetError("scaled_dot_product_attention needs libtorch >= 2.0; compose it from matmul and softmax");
        return FT_ERR_UNSUPPORTED;
#endif
    }
    int32_t FtTorch_HasVarlenFlashAttention(uint8_t* out)
    {
        FT_TRY
        ft::RequireNotNull(out, "out");
        *out = (TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)) ? 1 : 0;
        FT_CATCH
    }

    int32_t FtTensor_VarlenFlashAttention(const FtTensor* q, const FtTensor* k, const FtTensor* v,
                                          const FtTensor* cuSeqLens, int64_t maxLength, FtTensor** out)
    {
#if TORCH_VERSION_MAJOR > 2 || (TORCH_VERSION_MAJOR == 2 && TORCH_VERSION_MINOR >= 5)
        FT_TRY
        ft::RequireNotNull(q, "q");
        ft::RequireNotNull(k, "k");
        ft::RequireNotNull(v, "v");
        ft::RequireNotNull(cuSeqLens, "cuSeqLens");
        ft::RequireNotNull(out, "out");
        const at::Tensor& query = q->value;
        TORCH_CHECK(query.dim() == 3 && k->value.dim() == 3 && v->value.dim() == 3,
                    "variable-length attention takes q, k and v as (tokens, heads, head size)");
        TORCH_CHECK(query.is_cuda(), "variable-length flash attention runs on CUDA only, got ", query.device());
        TORCH_CHECK(query.scalar_type() == at::kHalf || query.scalar_type() == at::kBFloat16,
                    "variable-length flash attention needs float16 or bfloat16, got ", query.scalar_type());
        TORCH_CHECK(cuSeqLens->value.scalar_type() == at::kInt && cuSeqLens->value.dim() == 1,
                    "cuSeqLens must be a 1-d int32 tensor");
        TORCH_CHECK(maxLength > 0, "maxLength must be positive, got ", maxLength);
        ft::RequireSameDevice(cuSeqLens->value, query, "cuSeqLens");
        // Grouped-query heads go to the kernel as they are (it reads each key/value head for its query heads). The
        // output is the first of the five results; autograd records FlashAttentionBackward for it.
        auto results = at::_flash_attention_forward(query, k->value, v->value, cuSeqLens->value, cuSeqLens->value,
                                                    maxLength, maxLength, 0.0, /*is_causal*/ true,
                                                    /*return_debug_mask*/ false);
        *out = ft::Wrap(std::move(std::get<0>(results)));
        FT_CATCH
#else
        (void)q, (void)k, (void)v, (void)cuSeqLens, (void)maxLength, (void)out;
        ft::SetError("variable-length flash attention needs libtorch >= 2.5");
        return FT_ERR_UNSUPPORTED;
#endif
    }
}
