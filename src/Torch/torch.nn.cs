using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>Neural-network functions, at <c>torch.nn.functional</c> as in PyTorch and TorchSharp.</summary>
public static partial class torch
{
    /// <summary>The <c>torch.nn</c> namespace.</summary>
    public static class nn
    {
        /// <summary>Reduction modes of loss functions.</summary>
        public enum Reduction
        {
            /// <summary>Per-element losses.</summary>
            None = 0,

            /// <summary>Mean over non-ignored elements.</summary>
            Mean = 1,

            /// <summary>Sum over elements.</summary>
            Sum = 2,
        }

        /// <summary>Stateless NN functions.</summary>
        public static class functional
        {
            /// <summary>y = x Wᵀ + b (bias optional).</summary>
            public static Tensor linear(Tensor input, Tensor weight, Tensor? bias = null)
            {
                return Wrap(NativeMethods.FtTensor_Linear(input.Handle, weight.Handle, Tensor.HandleOf(bias), out var r), r);
            }

            /// <summary>
            /// linear(input ⊙ keep / (1 − p), weight) as one autograd node (LoRA's dropout and A): it keeps the input,
            /// the bool mask and the weight for backward, not the dropped copy, and rebuilds that copy there with the
            /// same ops, so outputs and gradients are the composed ops'.
            /// </summary>
            public static Tensor dropped_linear(Tensor input, Tensor keep, double p, Tensor weight)
            {
                return Wrap(NativeMethods.FtLora_DroppedLinear(input.Handle, keep.Handle, p, weight.Handle, out var r), r);
            }

            /// <summary>Rows of the embedding matrix at the given int64 ids.</summary>
            public static Tensor embedding(Tensor input, Tensor weight) => Wrap(NativeMethods.FtTensor_Embedding(weight.Handle, input.Handle, out var r), r);

            /// <summary>Cross entropy of logits (N, C) against int64 targets (N); targets equal to ignoreIndex add nothing.</summary>
            public static Tensor cross_entropy(Tensor input, Tensor target, long ignoreIndex = -100, Reduction reduction = Reduction.Mean, double labelSmoothing = 0)
            {
                return Wrap(NativeMethods.FtTensor_CrossEntropy(input.Handle, target.Handle, ignoreIndex, (int)reduction, labelSmoothing, out var r), r);
            }

            /// <summary>x * sigmoid(x).</summary>
            public static Tensor silu(Tensor input) => input.silu();

            /// <summary>GELU (exact, or the tanh approximation).</summary>
            public static Tensor gelu(Tensor input, bool tanhApproximation = false) => input.gelu(tanhApproximation);

            /// <summary>Softmax along a dimension.</summary>
            public static Tensor softmax(Tensor input, long dim) => input.softmax(dim);

            /// <summary>Log-softmax along a dimension.</summary>
            public static Tensor log_softmax(Tensor input, long dim) => input.log_softmax(dim);

            /// <summary>Inverted dropout (identity when not training), drawing from the default generator.</summary>
            public static Tensor dropout(Tensor input, double p = 0.5, bool training = true)
            {
                return Wrap(NativeMethods.FtTensor_Dropout(input.Handle, p, training ? (byte)1 : (byte)0, out var r), r);
            }

            /// <summary>
            /// softmax(q kᵀ / sqrt(d) + mask) v for q (…, h, L, d), k and v (…, h, S, d). A bool mask marks positions that
            /// may be attended; a float mask is added. With <paramref name="enableGqa"/> k and v may have fewer heads than
            /// q (grouped-query attention): key/value head i serves query heads i·g … i·g + g − 1, g = q's heads / k's,
            /// as repeat_interleave(g) would give, without writing the repeated copies. libtorch 2.x runs its fused
            /// kernel where <see cref="native_sdpa_runs_on"/> says so; elsewhere, and on 1.13, the same math is composed.
            /// </summary>
            public static Tensor scaled_dot_product_attention(Tensor query, Tensor key, Tensor value, Tensor? attnMask = null, double dropoutP = 0, bool isCausal = false, bool enableGqa = false)
            {
                ArgumentNullException.ThrowIfNull(query);
                ArgumentNullException.ThrowIfNull(key);
                ArgumentNullException.ThrowIfNull(value);
                if (native_sdpa_runs_on(query.device.Type))
                {
                    return Wrap(NativeMethods.FtTensor_ScaledDotProductAttention(query.Handle, key.Handle, value.Handle, Tensor.HandleOf(attnMask), dropoutP, isCausal ? (byte)1 : (byte)0, enableGqa ? (byte)1 : (byte)0, out var r), r);
                }
                return ComposedAttention.Forward(query, key, value, attnMask, dropoutP, isCausal, enableGqa);
            }

            /// <summary>
            /// Causal attention within each of several sequences laid end to end: query (N, h, d), key and value
            /// (N, hₖᵥ, d) with hₖᵥ dividing h (grouped-query heads as in <see cref="scaled_dot_product_attention"/>);
            /// a token attends the tokens of its own sequence up to itself. Returns (N, h, d). libtorch's
            /// variable-length flash kernel runs it where <see cref="varlen_flash_attention_runs_on(Tensor)"/> says so (CUDA,
            /// 16-bit, libtorch ≥ 2.5), with no padding and no mask; elsewhere each sequence runs through causal
            /// <see cref="scaled_dot_product_attention"/> in turn, the same math.
            /// </summary>
            public static Tensor varlen_causal_attention(Tensor query, Tensor key, Tensor value, VarlenSequences sequences)
            {
                ArgumentNullException.ThrowIfNull(query);
                ArgumentNullException.ThrowIfNull(key);
                ArgumentNullException.ThrowIfNull(value);
                ArgumentNullException.ThrowIfNull(sequences);
                if (query.dim() != 3 || key.dim() != 3 || value.dim() != 3)
                {
                    throw new ArgumentException($"varlen_causal_attention takes (tokens, heads, head size); got q {Shape(query)}, k {Shape(key)}, v {Shape(value)}");
                }
                if (query.size(0) != sequences.Total || key.size(0) != sequences.Total || value.size(0) != sequences.Total)
                {
                    throw new ArgumentException($"the sequences hold {sequences.Total} tokens; got q {Shape(query)}, k {Shape(key)}, v {Shape(value)}");
                }
                if (varlen_flash_attention_runs_on(query))
                {
                    return Wrap(NativeMethods.FtTensor_VarlenFlashAttention(query.Handle, key.Handle, value.Handle, sequences.CumulativeLengths.Handle, sequences.MaxLength, out var r), r);
                }
                using var scope = TensorScope.Begin();
                bool grouped = key.size(1) != query.size(1);
                var outputs = new List<Tensor>(sequences.Lengths.Count);
                long start = 0;
                foreach (long length in sequences.Lengths)
                {
                    // (n, h, d) → (1, h, n, d) and back.
                    Tensor y = scaled_dot_product_attention(
                        query.narrow(0, start, length).transpose(0, 1).unsqueeze(0),
                        key.narrow(0, start, length).transpose(0, 1).unsqueeze(0),
                        value.narrow(0, start, length).transpose(0, 1).unsqueeze(0),
                        isCausal: true,
                        enableGqa: grouped);
                    outputs.Add(y.squeeze(0).transpose(0, 1));
                    start += length;
                }
                return scope.MoveToOuter(outputs.Count == 1 ? outputs[0].contiguous() : torch.cat(outputs));
            }

            /// <summary>Whether <see cref="varlen_causal_attention"/> runs libtorch's variable-length flash kernel for this query.</summary>
            public static bool varlen_flash_attention_runs_on(Tensor query)
            {
                ArgumentNullException.ThrowIfNull(query);
                return varlen_flash_attention_runs_on(query.device.Type, query.dtype, query.size(-1));
            }

            /// <summary>Whether <see cref="varlen_causal_attention"/> runs libtorch's variable-length flash kernel for queries of this device, dtype and head size.</summary>
            public static bool varlen_flash_attention_runs_on(DeviceType device, ScalarType dtype, long headSize) =>
                AttentionKernel.RunsVarlenFlash(has_varlen_flash_attention, device, dtype, headSize);

            private static string Shape(Tensor t) => $"({string.Join(", ", t.shape)})";
        }
    }
}
