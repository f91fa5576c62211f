// ft_lora.cpp — LoRA's dropout and down-projection h = (x ⊙ keep / (1 − p)) Aᵀ as one autograd node.
// Composed from ordinary ops, autograd keeps the dropped copy x̃ for A's gradient: one per adapter, since each draws its
// own mask, although siblings (q, k, v; gate, up) read the same x. This node keeps x, the one-byte mask and A instead
// and rebuilds x̃ in backward with the same ops, so the results are those of the composed ops.
#include "ft_internal.h"

namespace
{
using torch::autograd::AutogradContext;
using torch::autograd::variable_list;

struct DroppedLinear : public torch::autograd::Function<DroppedLinear>
{
    static at::Tensor Dropped(const at::Tensor& x, const at::Tensor& keep, double p)
    {
        return x.mul(keep).div(1.0 - p);
    }

    static at::Tensor forward(AutogradContext* ctx, const at::Tensor& x, const at::Tensor& keep, double p,
                              const at::Tensor& weight)
    {
        ctx->save_for_backward({x, keep, weight});
        ctx->saved_data["p"] = p;
        return at::linear(Dropped(x, keep, p), weight);
    }

    static variable_list backward(AutogradContext* ctx, variable_list gradOutputs)
    {
        auto saved = ctx->get_saved_variables();
        const at::Tensor& x = saved[0];
        const at::Tensor& keep = saved[1];
        const at::Tensor& weight = saved[2];
        double p = ctx->saved_data["p"].toDouble();
        const at::Tensor& grad = gradOutputs[0]; // (…, r)
        at::Tensor gradX;
        at::Tensor gradWeight;
        if (ctx->needs_input_grad(0))
        {
            // The composed chain's order: linear's input gradient, then ÷ (1 − p), then ⊙ keep.
            gradX = at::matmul(grad, weight).div(1.0 - p).mul(keep);
        }
        // needs_input_grad counts tensor arguments only (x, keep, weight); the list returned has one entry per
        // argument.
        if (ctx->needs_input_grad(2))
        {
            // As linear's weight gradient for (…, in) inputs: x̃ᵀ g over the flattened rows, transposed.
            at::Tensor rows = Dropped(x, keep, p).reshape({-1, x.size(-1)});
            gradWeight = rows.t().mm(grad.reshape({-1, grad.size(-1)})).t();
        }
        return {gradX, at::Tensor(), at::Tensor(), gradWeight};
    }
};
} // namespace

extern "C"
{
    int32_t FtLora_DroppedLinear(const FtTensor* x, const FtTensor* keep, double p, const FtTensor* weight,
                                 FtTensor** out)
    {
        FT_TRY
        ft::RequireNotNull(x, "x");
        ft::RequireNotNull(keep, "keep");
        ft::RequireNotNull(weight, "weight");
        ft::RequireNotNull(out, "out");
        TORCH_CHECK(p >= 0 && p < 1, "dropout probability must lie in [0, 1), got ", p);
        TORCH_CHECK(keep->value.scalar_type() == at::kBool, "keep must be a bool mask, got ",
                    keep->value.scalar_type());
        TORCH_CHECK(keep->value.sizes() == x->value.sizes(), "keep ", keep->value.sizes(), " and x ", x->value.sizes(),
                    " differ in shape");
        ft::RequireSameDevice(keep->value, x->value, "keep");
        *out = ft::Wrap(DroppedLinear::apply(x->value, keep->value, p, weight->value));
        FT_CATCH
    }
}
