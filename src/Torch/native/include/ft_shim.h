/*
 * ft_shim.h — the whole C ABI between FineTune's C# binding (src/Torch) and libtorch.
 *
 * Each export wraps roughly one libtorch call; loops, policy and training logic live in C#.
 * This header is plain C: fixed-width types only, UTF-8 strings, arrays as (pointer, int64_t length),
 * opaque handles. Every export returns an int32_t status (FT_OK or an FT_ERR_* code) and writes its
 * results through out-parameters; on failure FtError_Message() describes the error.
 * It deliberately is not a C++ API and exposes no C++ types.
 *
 * Ownership: an export that writes an FtTensor* into an out-parameter hands the caller a new handle,
 * which the caller frees with FtTensor_Free. Arguments are borrowed, never freed by the callee.
 * Bump FT_ABI_VERSION on any change to this file.
 */
#ifndef FT_SHIM_H
#define FT_SHIM_H

#include <stdint.h>

#ifdef __cplusplus
extern "C"
{
#endif

#define FT_ABI_VERSION 6
#define FT_EXPORT __attribute__((visibility("default")))

    typedef struct FtTensor FtTensor;
    typedef struct FtGenerator FtGenerator;

/* Status codes. */
#define FT_OK 0
#define FT_ERR_TORCH 1       /* c10::Error (shape mismatch, bad dtype, ...) */
#define FT_ERR_OOM 2         /* c10::OutOfMemoryError (CUDA allocator) */
#define FT_ERR_STD 3         /* any other std::exception */
#define FT_ERR_UNKNOWN 4     /* a non-std exception */
#define FT_ERR_ARGUMENT 5    /* a bad argument detected by the shim itself */
#define FT_ERR_UNSUPPORTED 6 /* the feature is absent from this libtorch build */

/* Dtype codes equal c10::ScalarType values (stable across libtorch 1.x and 2.x). */
#define FT_DTYPE_U8 0
#define FT_DTYPE_I8 1
#define FT_DTYPE_I16 2
#define FT_DTYPE_I32 3
#define FT_DTYPE_I64 4
#define FT_DTYPE_F16 5
#define FT_DTYPE_F32 6
#define FT_DTYPE_F64 7
#define FT_DTYPE_BOOL 11
#define FT_DTYPE_BF16 15

/* Device types equal c10::DeviceType values. */
#define FT_DEVICE_CPU 0
#define FT_DEVICE_CUDA 1
#define FT_DEVICE_META 14

/* Cross-entropy reductions, as in at::Reduction. */
#define FT_REDUCTION_NONE 0
#define FT_REDUCTION_MEAN 1
#define FT_REDUCTION_SUM 2

    /* ---- ft_core.cpp: errors, version, global state ---------------------------------------------- */

    /* Returns FT_ABI_VERSION of the compiled shim; never fails. */
    FT_EXPORT int32_t FtShim_AbiVersion(void);
    /* Returns the last error message of this thread; valid until the next failing call on this thread. */
    FT_EXPORT const char* FtError_Message(void);
    /* Test hook: throws an exception of the given kind (FT_ERR_* code) inside the catch macro. */
    FT_EXPORT int32_t FtShim_RaiseForTest(int32_t kind);
    /* Writes libtorch's version ("1.13.1"); the string is static. */
    FT_EXPORT int32_t FtTorch_Version(const char** out);
    /* Writes libtorch's build configuration (at::show_config); valid until the next call on this thread. */
    FT_EXPORT int32_t FtTorch_Config(const char** out);
    /* Writes 1 when at::scaled_dot_product_attention exists (libtorch >= 2.0). */
    FT_EXPORT int32_t FtTorch_HasNativeSdpa(uint8_t* out);
    FT_EXPORT int32_t FtTorch_SetNumThreads(int32_t threads);
    FT_EXPORT int32_t FtTorch_GetNumThreads(int32_t* out);
    /* Sets OpenBLAS's thread count when libtorch links OpenBLAS (found with dlsym; other BLAS libraries follow
       at::set_num_threads or their own environment); writes 1 when it was applied, 0 when there is no OpenBLAS. */
    FT_EXPORT int32_t FtTorch_SetBlasThreads(int32_t threads, uint8_t* applied);
    /* Writes OpenBLAS's thread count, or -1 when libtorch does not link OpenBLAS. */
    FT_EXPORT int32_t FtTorch_GetBlasThreads(int32_t* out);
    /* Seeds the default CPU and CUDA generators. */
    FT_EXPORT int32_t FtTorch_ManualSeed(int64_t seed);
    /* Sets grad mode for the calling thread (thread-local in libtorch). */
    FT_EXPORT int32_t FtTorch_SetGradEnabled(uint8_t enabled);
    FT_EXPORT int32_t FtTorch_IsGradEnabled(uint8_t* out);
    /* Number of live FtTensor handles in this process. */
    FT_EXPORT int32_t FtTensor_LiveCount(int64_t* out);

    /* ---- ft_tensor.cpp: handles, creation, properties, data -------------------------------------- */

    /* Frees a tensor handle; accepts null; never fails. */
    FT_EXPORT void FtTensor_Free(FtTensor* t);
    /* Returns a new CPU tensor holding a copy of byteLength bytes at data; caller frees. */
    FT_EXPORT int32_t FtTensor_FromData(const void* data, int64_t byteLength, const int64_t* shape, int64_t ndim,
                                        int32_t dtype, FtTensor** out);
    /* Returns a new tensor; caller frees. kind: 0 empty, 1 zeros, 2 ones. */
    FT_EXPORT int32_t FtTensor_New(int32_t kind, const int64_t* shape, int64_t ndim, int32_t dtype, int32_t deviceType,
                                   int32_t deviceIndex, uint8_t requiresGrad, FtTensor** out);
    /* Returns a new tensor filled with value; caller frees. */
    FT_EXPORT int32_t FtTensor_Full(const int64_t* shape, int64_t ndim, double value, int32_t dtype, int32_t deviceType,
                                    int32_t deviceIndex, uint8_t requiresGrad, FtTensor** out);
    /* Returns a new 1-D tensor [start, end) by step; caller frees. */
    FT_EXPORT int32_t FtTensor_Arange(double start, double end, double step, int32_t dtype, int32_t deviceType,
                                      int32_t deviceIndex, FtTensor** out);
    /* Returns a new standard-normal (normal=1) or uniform [0,1) (normal=0) tensor; gen may be null; caller frees. */
    FT_EXPORT int32_t FtTensor_Random(uint8_t normal, const int64_t* shape, int64_t ndim, int32_t dtype,
                                      int32_t deviceType, int32_t deviceIndex, FtGenerator* gen, uint8_t requiresGrad,
                                      FtTensor** out);
    /* Samples n indices per row of probs; gen may be null; returns a new tensor; caller frees. */
    FT_EXPORT int32_t FtTensor_Multinomial(const FtTensor* probs, int64_t n, uint8_t replacement, FtGenerator* gen,
                                           FtTensor** out);
    /* In place: fills t from U(low, high) (normal=0) or N(low=mean, high=std) (normal=1); returns a new alias. */
    FT_EXPORT int32_t FtTensor_RandomFill_(FtTensor* t, uint8_t normal, double low, double high, FtGenerator* gen,
                                           FtTensor** out);

    FT_EXPORT int32_t FtTensor_Dim(const FtTensor* t, int64_t* out);
    /* Writes min(ndim, capacity) sizes into shape. */
    FT_EXPORT int32_t FtTensor_Shape(const FtTensor* t, int64_t* shape, int64_t capacity);
    FT_EXPORT int32_t FtTensor_Numel(const FtTensor* t, int64_t* out);
    FT_EXPORT int32_t FtTensor_DType(const FtTensor* t, int32_t* out);
    FT_EXPORT int32_t FtTensor_Device(const FtTensor* t, int32_t* deviceType, int32_t* deviceIndex);
    FT_EXPORT int32_t FtTensor_IsDefined(const FtTensor* t, uint8_t* out);
    /* Copies the elements (row-major, contiguous) into dst, which must hold exactly numel * element size bytes. */
    FT_EXPORT int32_t FtTensor_CopyToBuffer(const FtTensor* t, void* dst, int64_t byteLength);
    /* Writes the single element as double / int64 (0 for a meta tensor, which holds no data). */
    FT_EXPORT int32_t FtTensor_ItemDouble(const FtTensor* t, double* out);
    FT_EXPORT int32_t FtTensor_ItemInt64(const FtTensor* t, int64_t* out);
    /* Returns a new tensor converted to dtype and device (an alias when nothing changes and copy=0); caller frees. */
    FT_EXPORT int32_t FtTensor_To(const FtTensor* t, int32_t dtype, int32_t deviceType, int32_t deviceIndex,
                                  uint8_t copy, FtTensor** out);
    /* Each returns a new handle; caller frees. Alias shares storage and autograd identity with t. */
    FT_EXPORT int32_t FtTensor_Alias(const FtTensor* t, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Clone(const FtTensor* t, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Contiguous(const FtTensor* t, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Detach(const FtTensor* t, FtTensor** out);

    /* Returns a new generator seeded with seed on the device; caller frees with FtGenerator_Free. */
    FT_EXPORT int32_t FtGenerator_New(int64_t seed, int32_t deviceType, int32_t deviceIndex, FtGenerator** out);
    /* Frees a generator; accepts null; never fails. */
    FT_EXPORT void FtGenerator_Free(FtGenerator* g);
    /* Returns a new uint8 tensor with the generator's state; caller frees. */
    FT_EXPORT int32_t FtGenerator_GetState(const FtGenerator* g, FtTensor** out);
    FT_EXPORT int32_t FtGenerator_SetState(FtGenerator* g, const FtTensor* state);

    /* ---- ft_shape.cpp: views and shape ops (each returns a new handle; caller frees) ------------- */

    FT_EXPORT int32_t FtTensor_Reshape(const FtTensor* t, const int64_t* shape, int64_t ndim, FtTensor** out);
    FT_EXPORT int32_t FtTensor_View(const FtTensor* t, const int64_t* shape, int64_t ndim, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Expand(const FtTensor* t, const int64_t* shape, int64_t ndim, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Permute(const FtTensor* t, const int64_t* dims, int64_t ndim, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Transpose(const FtTensor* t, int64_t dim0, int64_t dim1, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Narrow(const FtTensor* t, int64_t dim, int64_t start, int64_t length, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Slice(const FtTensor* t, int64_t dim, int64_t start, int64_t end, int64_t step,
                                     FtTensor** out);
    FT_EXPORT int32_t FtTensor_Select(const FtTensor* t, int64_t dim, int64_t index, FtTensor** out);
    FT_EXPORT int32_t FtTensor_IndexSelect(const FtTensor* t, int64_t dim, const FtTensor* index, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Gather(const FtTensor* t, int64_t dim, const FtTensor* index, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Unsqueeze(const FtTensor* t, int64_t dim, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Squeeze(const FtTensor* t, int64_t dim, FtTensor** out);
    FT_EXPORT int32_t FtTensor_RepeatInterleave(const FtTensor* t, int64_t repeats, int64_t dim, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Tril(const FtTensor* t, int64_t diagonal, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Triu(const FtTensor* t, int64_t diagonal, FtTensor** out);
    /* Joins count tensors along dim: stack=0 concatenates (cat), stack=1 adds a new dim (stack). */
    FT_EXPORT int32_t FtTensor_Cat(const FtTensor* const* tensors, int64_t count, int64_t dim, uint8_t stack,
                                   FtTensor** out);
    /* Splits t along dim into count pieces of the given sizes; writes count new handles into outs. */
    FT_EXPORT int32_t FtTensor_SplitWithSizes(const FtTensor* t, const int64_t* sizes, int64_t count, int64_t dim,
                                              FtTensor** outs);

/* ---- ft_math.cpp: math (each returns a new handle; caller frees) ------------------------------ */

/* Unary ops by code: see FT_UNARY_* below. */
#define FT_UNARY_NEG 0
#define FT_UNARY_EXP 1
#define FT_UNARY_LOG 2
#define FT_UNARY_SQRT 3
#define FT_UNARY_RSQRT 4
#define FT_UNARY_COS 5
#define FT_UNARY_SIN 6
#define FT_UNARY_TANH 7
#define FT_UNARY_SIGMOID 8
#define FT_UNARY_SILU 9
#define FT_UNARY_RELU 10
#define FT_UNARY_ABS 11
#define FT_UNARY_GELU 12
#define FT_UNARY_GELU_TANH 13
#define FT_UNARY_RECIPROCAL 14
#define FT_UNARY_ISFINITE 15
#define FT_UNARY_LOGICAL_NOT 16
#define FT_UNARY_SQUARE 17
    FT_EXPORT int32_t FtTensor_Unary(const FtTensor* t, int32_t op, FtTensor** out);

/* Binary ops by code, with broadcasting: see FT_BINARY_* below. alpha scales b for ADD/SUB. */
#define FT_BINARY_ADD 0
#define FT_BINARY_SUB 1
#define FT_BINARY_MUL 2
#define FT_BINARY_DIV 3
#define FT_BINARY_POW 4
#define FT_BINARY_MAXIMUM 5
#define FT_BINARY_MINIMUM 6
#define FT_BINARY_EQ 7
#define FT_BINARY_NE 8
#define FT_BINARY_LT 9
#define FT_BINARY_LE 10
#define FT_BINARY_GT 11
#define FT_BINARY_GE 12
#define FT_BINARY_LOGICAL_AND 13
#define FT_BINARY_LOGICAL_OR 14
    FT_EXPORT int32_t FtTensor_Binary(const FtTensor* a, const FtTensor* b, int32_t op, double alpha, FtTensor** out);
    /* The same binary op codes with a scalar right-hand side (LOGICAL_* unsupported). */
    FT_EXPORT int32_t FtTensor_BinaryScalar(const FtTensor* a, double b, int32_t op, FtTensor** out);

    FT_EXPORT int32_t FtTensor_Matmul(const FtTensor* a, const FtTensor* b, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Bmm(const FtTensor* a, const FtTensor* b, FtTensor** out);
    /* y = x W^T + bias; bias may be null. */
    FT_EXPORT int32_t FtTensor_Linear(const FtTensor* x, const FtTensor* weight, const FtTensor* bias, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Einsum(const char* equation, const FtTensor* const* tensors, int64_t count,
                                      FtTensor** out);
    FT_EXPORT int32_t FtTensor_Where(const FtTensor* condition, const FtTensor* a, const FtTensor* b, FtTensor** out);
    FT_EXPORT int32_t FtTensor_MaskedFill(const FtTensor* t, const FtTensor* mask, double value, FtTensor** out);
    /* Clamps to [min, max]; a bound applies only when its has* flag is 1. */
    FT_EXPORT int32_t FtTensor_Clamp(const FtTensor* t, uint8_t hasMin, double min, uint8_t hasMax, double max,
                                     FtTensor** out);

/* Reductions by code over dims (ndims = 0 reduces over all elements; keepdim ignored then). */
#define FT_REDUCE_SUM 0
#define FT_REDUCE_MEAN 1
#define FT_REDUCE_AMAX 2
#define FT_REDUCE_AMIN 3
    FT_EXPORT int32_t FtTensor_Reduce(const FtTensor* t, int32_t op, const int64_t* dims, int64_t ndims,
                                      uint8_t keepdim, FtTensor** out);
    /* p-norm over dims (ndims = 0: all elements). */
    FT_EXPORT int32_t FtTensor_Norm(const FtTensor* t, double p, const int64_t* dims, int64_t ndims, uint8_t keepdim,
                                    FtTensor** out);
    /* Max along dim: writes new handles for values and indices. */
    FT_EXPORT int32_t FtTensor_MaxDim(const FtTensor* t, int64_t dim, uint8_t keepdim, FtTensor** values,
                                      FtTensor** indices);
    FT_EXPORT int32_t FtTensor_Argmax(const FtTensor* t, int64_t dim, uint8_t keepdim, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Topk(const FtTensor* t, int64_t k, int64_t dim, uint8_t largest, FtTensor** values,
                                    FtTensor** indices);
    FT_EXPORT int32_t FtTensor_Sort(const FtTensor* t, int64_t dim, uint8_t descending, FtTensor** values,
                                    FtTensor** indices);
    FT_EXPORT int32_t FtTensor_Cumsum(const FtTensor* t, int64_t dim, FtTensor** out);
    /* Softmax (log=0) or log-softmax (log=1) along dim. */
    FT_EXPORT int32_t FtTensor_Softmax(const FtTensor* t, int64_t dim, uint8_t log, FtTensor** out);
    /* Rows of weight picked by integer indices. */
    FT_EXPORT int32_t FtTensor_Embedding(const FtTensor* weight, const FtTensor* indices, FtTensor** out);
    /* Cross entropy of logits (N, C) against class targets (N); reduction is an FT_REDUCTION_* code. */
    FT_EXPORT int32_t FtTensor_CrossEntropy(const FtTensor* logits, const FtTensor* targets, int64_t ignoreIndex,
                                            int32_t reduction, double labelSmoothing, FtTensor** out);
    /* Inverted dropout with probability p (identity when train = 0). */
    FT_EXPORT int32_t FtTensor_Dropout(const FtTensor* t, double p, uint8_t train, FtTensor** out);
    /* libtorch's fused attention (>= 2.0 only; FT_ERR_UNSUPPORTED on 1.x); mask may be null. enableGqa = 1: k and v
       have fewer heads than q, each serving q's heads / k's heads consecutive query heads (libtorch >= 2.5 passes it
       to the kernel; 2.0-2.4 repeat k and v first). */
    FT_EXPORT int32_t FtTensor_ScaledDotProductAttention(const FtTensor* q, const FtTensor* k, const FtTensor* v,
                                                         const FtTensor* mask, double dropoutP, uint8_t isCausal,
                                                         uint8_t enableGqa, FtTensor** out);
    /* Causal attention within each of several sequences laid end to end (variable-length flash attention): q
       (N, h, d), k and v (N, h_kv, d) with h_kv dividing h, cuSeqLens int32 (S + 1) on q's device holding 0 and the
       running sums of the S sequence lengths (the last is N), maxLength the longest. Flash kernel only: CUDA,
       float16 or bfloat16, libtorch >= 2.5 (FT_ERR_UNSUPPORTED before that); returns (N, h, d). */
    FT_EXPORT int32_t FtTensor_VarlenFlashAttention(const FtTensor* q, const FtTensor* k, const FtTensor* v,
                                                    const FtTensor* cuSeqLens, int64_t maxLength, FtTensor** out);
    /* 1 when this shim was built with variable-length flash attention (libtorch >= 2.5). */
    FT_EXPORT int32_t FtTorch_HasVarlenFlashAttention(uint8_t* out);

    /* ---- ft_lora.cpp ---------------------------------------------------------------------------------- */

    /* linear(x * keep / (1 - p), weight) as one autograd node that keeps x, keep (bool, x's shape) and weight for
       backward, not the dropped copy: the gradients are those of the composed ops. */
    FT_EXPORT int32_t FtLora_DroppedLinear(const FtTensor* x, const FtTensor* keep, double p, const FtTensor* weight,
                                           FtTensor** out);

    /* ---- ft_inplace.cpp: in-place ops an optimizer needs (each returns a new alias; caller frees) - */

    /* t += alpha * other */
    FT_EXPORT int32_t FtTensor_Add_(FtTensor* t, const FtTensor* other, double alpha, FtTensor** out);
    FT_EXPORT int32_t FtTensor_AddScalar_(FtTensor* t, double value, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Mul_(FtTensor* t, const FtTensor* other, FtTensor** out);
    FT_EXPORT int32_t FtTensor_MulScalar_(FtTensor* t, double value, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Div_(FtTensor* t, const FtTensor* other, FtTensor** out);
    /* t += value * a * b */
    FT_EXPORT int32_t FtTensor_Addcmul_(FtTensor* t, const FtTensor* a, const FtTensor* b, double value,
                                        FtTensor** out);
    /* t += value * a / b */
    FT_EXPORT int32_t FtTensor_Addcdiv_(FtTensor* t, const FtTensor* a, const FtTensor* b, double value,
                                        FtTensor** out);
    /* t += weight * (end - t) */
    FT_EXPORT int32_t FtTensor_Lerp_(FtTensor* t, const FtTensor* end, double weight, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Copy_(FtTensor* t, const FtTensor* src, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Fill_(FtTensor* t, double value, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Zero_(FtTensor* t, FtTensor** out);
    FT_EXPORT int32_t FtTensor_Clamp_(FtTensor* t, uint8_t hasMin, double min, uint8_t hasMax, double max,
                                      FtTensor** out);

    /* ---- ft_autograd.cpp ----------------------------------------------------------------------- */

    FT_EXPORT int32_t FtTensor_RequiresGrad(const FtTensor* t, uint8_t* out);
    FT_EXPORT int32_t FtTensor_SetRequiresGrad(FtTensor* t, uint8_t requiresGrad);
    FT_EXPORT int32_t FtTensor_IsLeaf(const FtTensor* t, uint8_t* out);
    /* Writes a new handle to t.grad(), or null when t has no gradient; caller frees. */
    FT_EXPORT int32_t FtTensor_Grad(const FtTensor* t, FtTensor** out);
    /* Replaces t.grad() with grad (borrowed; copied by reference), or clears it when grad is null. */
    FT_EXPORT int32_t FtTensor_SetGrad(FtTensor* t, const FtTensor* grad);
    FT_EXPORT int32_t FtTensor_RetainGrad(FtTensor* t);
    /* Accumulates gradients of t into the leaves; gradient may be null for a scalar t. */
    FT_EXPORT int32_t FtTensor_Backward(const FtTensor* t, const FtTensor* gradient, uint8_t retainGraph,
                                        uint8_t createGraph);
    /* torch.autograd.grad: gradOutputs entries may be null; writes inputCount new handles (null when unused). */
    FT_EXPORT int32_t FtAutograd_Grad(const FtTensor* const* outputs, const FtTensor* const* gradOutputs,
                                      int64_t outputCount, const FtTensor* const* inputs, int64_t inputCount,
                                      uint8_t retainGraph, uint8_t createGraph, uint8_t allowUnused,
                                      FtTensor** results);

    /* ---- ft_cuda.cpp --------------------------------------------------------------------------- */

    FT_EXPORT int32_t FtCuda_IsAvailable(uint8_t* out);
    FT_EXPORT int32_t FtCuda_DeviceCount(int32_t* out);
    /* Writes the device's name into buffer (NUL-terminated, truncated to capacity) and total memory in bytes. */
    FT_EXPORT int32_t FtCuda_DeviceInfo(int32_t deviceIndex, char* name, int64_t capacity, int64_t* totalBytes);
    /* Caching-allocator statistics in bytes; free/total come from the driver. */
    FT_EXPORT int32_t FtCuda_MemoryStats(int32_t deviceIndex, int64_t* allocated, int64_t* reserved,
                                         int64_t* maxAllocated, int64_t* freeBytes, int64_t* totalBytes);
    FT_EXPORT int32_t FtCuda_EmptyCache(void);
    FT_EXPORT int32_t FtCuda_Synchronize(int32_t deviceIndex);
    /* Caps this process's caching allocator on the device at fraction (0, 1] of its memory; beyond it allocations
       fail with an out-of-memory error (to share a GPU, or to force the OOM path in checks). */
    FT_EXPORT int32_t FtCuda_SetMemoryFraction(int32_t deviceIndex, double fraction);
    /* Resets the peak statistics of FtCuda_MemoryStats on the device (e.g. before a measured phase). */
    FT_EXPORT int32_t FtCuda_ResetPeakStats(int32_t deviceIndex);

#ifdef __cplusplus
}
#endif

#endif /* FT_SHIM_H */
