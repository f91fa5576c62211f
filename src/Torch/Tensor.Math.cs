using FineTune.Torch.Interop;

namespace FineTune.Torch;

/// <summary>Elementwise math (with broadcasting), comparisons, linear algebra and reductions.</summary>
public sealed partial class Tensor
{
    private Tensor Unary(int op) => From(NativeMethods.FtTensor_Unary(Handle, op, out var r), r);

    private Tensor Binary(Tensor other, int op, double alpha = 1)
    {
        ArgumentNullException.ThrowIfNull(other);
        return From(NativeMethods.FtTensor_Binary(Handle, other.Handle, op, alpha, out var r), r);
    }

    private Tensor Binary(double other, int op) => From(NativeMethods.FtTensor_BinaryScalar(Handle, other, op, out var r), r);

    /// <summary>-x</summary>
    public Tensor neg() => Unary(OpCodes.Neg);

    /// <summary>e^x</summary>
    public Tensor exp() => Unary(OpCodes.Exp);

    /// <summary>Natural logarithm.</summary>
    public Tensor log() => Unary(OpCodes.Log);

    /// <summary>Square root.</summary>
    public Tensor sqrt() => Unary(OpCodes.Sqrt);

    /// <summary>1 / sqrt(x)</summary>
    public Tensor rsqrt() => Unary(OpCodes.Rsqrt);

    /// <summary>Cosine.</summary>
    public Tensor cos() => Unary(OpCodes.Cos);

    /// <summary>Sine.</summary>
    public Tensor sin() => Unary(OpCodes.Sin);

    /// <summary>Hyperbolic tangent.</summary>
    public Tensor tanh() => Unary(OpCodes.Tanh);

    /// <summary>Logistic sigmoid.</summary>
    public Tensor sigmoid() => Unary(OpCodes.Sigmoid);

    /// <summary>x * sigmoid(x) (the SwiGLU gate of Llama MLPs).</summary>
    public Tensor silu() => Unary(OpCodes.Silu);

    /// <summary>max(x, 0)</summary>
    public Tensor relu() => Unary(OpCodes.Relu);

    /// <summary>|x|</summary>
    public Tensor abs() => Unary(OpCodes.Abs);

    /// <summary>GELU, exact (erf) or with the tanh approximation.</summary>
    public Tensor gelu(bool tanhApproximation = false) => Unary(tanhApproximation ? OpCodes.GeluTanh : OpCodes.Gelu);

    /// <summary>1 / x</summary>
    public Tensor reciprocal() => Unary(OpCodes.Reciprocal);

    /// <summary>x * x</summary>
    public Tensor square() => Unary(OpCodes.Square);

    /// <summary>Boolean mask of finite elements (not NaN or infinite).</summary>
    public Tensor isfinite() => Unary(OpCodes.IsFinite);

    /// <summary>Elementwise boolean not.</summary>
    public Tensor logical_not() => Unary(OpCodes.LogicalNot);

    /// <summary>this + alpha * other</summary>
    public Tensor add(Tensor other, double alpha = 1) => Binary(other, OpCodes.Add, alpha);

    /// <summary>this + scalar</summary>
    public Tensor add(double other) => Binary(other, OpCodes.Add);

    /// <summary>this - alpha * other</summary>
    public Tensor sub(Tensor other, double alpha = 1) => Binary(other, OpCodes.Sub, alpha);

    /// <summary>this - scalar</summary>
    public Tensor sub(double other) => Binary(other, OpCodes.Sub);

    /// <summary>Elementwise product.</summary>
    public Tensor mul(Tensor other) => Binary(other, OpCodes.Mul);

    /// <summary>this * scalar</summary>
    public Tensor mul(double other) => Binary(other, OpCodes.Mul);

    /// <summary>Elementwise true division.</summary>
    public Tensor div(Tensor other) => Binary(other, OpCodes.Div);

    /// <summary>this / scalar</summary>
    public Tensor div(double other) => Binary(other, OpCodes.Div);

    /// <summary>Elementwise power.</summary>
    public Tensor pow(Tensor exponent) => Binary(exponent, OpCodes.Pow);

    /// <summary>this ^ scalar</summary>
    public Tensor pow(double exponent) => Binary(exponent, OpCodes.Pow);

    /// <summary>Elementwise maximum.</summary>
    public Tensor maximum(Tensor other) => Binary(other, OpCodes.Maximum);

    /// <summary>Elementwise minimum.</summary>
    public Tensor minimum(Tensor other) => Binary(other, OpCodes.Minimum);

    /// <summary>Elementwise ==.</summary>
    public Tensor eq(Tensor other) => Binary(other, OpCodes.Eq);

    /// <summary>Elementwise == scalar.</summary>
    public Tensor eq(double other) => Binary(other, OpCodes.Eq);

    /// <summary>Elementwise !=.</summary>
    public Tensor ne(Tensor other) => Binary(other, OpCodes.Ne);

    /// <summary>Elementwise != scalar.</summary>
    public Tensor ne(double other) => Binary(other, OpCodes.Ne);

    /// <summary>Elementwise &lt;.</summary>
    public Tensor lt(Tensor other) => Binary(other, OpCodes.Lt);

    /// <summary>Elementwise &lt; scalar.</summary>
    public Tensor lt(double other) => Binary(other, OpCodes.Lt);

    /// <summary>Elementwise &lt;=.</summary>
    public Tensor le(Tensor other) => Binary(other, OpCodes.Le);

    /// <summary>Elementwise &lt;= scalar.</summary>
    public Tensor le(double other) => Binary(other, OpCodes.Le);

    /// <summary>Elementwise &gt;.</summary>
    public Tensor gt(Tensor other) => Binary(other, OpCodes.Gt);

    /// <summary>Elementwise &gt; scalar.</summary>
    public Tensor gt(double other) => Binary(other, OpCodes.Gt);

    /// <summary>Elementwise &gt;=.</summary>
    public Tensor ge(Tensor other) => Binary(other, OpCodes.Ge);

    /// <summary>Elementwise &gt;= scalar.</summary>
    public Tensor ge(double other) => Binary(other, OpCodes.Ge);

    /// <summary>Elementwise boolean and.</summary>
    public Tensor logical_and(Tensor other) => Binary(other, OpCodes.LogicalAnd);

    /// <summary>Elementwise boolean or.</summary>
    public Tensor logical_or(Tensor other) => Binary(other, OpCodes.LogicalOr);

    /// <summary>Matrix product with NumPy broadcasting rules.</summary>
    public Tensor matmul(Tensor other) => From(NativeMethods.FtTensor_Matmul(Handle, other.Handle, out var r), r);

    /// <summary>Batched matrix product of (b, n, m) and (b, m, p).</summary>
    public Tensor bmm(Tensor other) => From(NativeMethods.FtTensor_Bmm(Handle, other.Handle, out var r), r);

    /// <summary>Replaces entries where the boolean mask is true.</summary>
    public Tensor masked_fill(Tensor mask, double value) => From(NativeMethods.FtTensor_MaskedFill(Handle, mask.Handle, value, out var r), r);

    /// <summary>Clamps into [min, max]; a null bound is open.</summary>
    public Tensor clamp(double? min = null, double? max = null)
    {
        return From(NativeMethods.FtTensor_Clamp(Handle, min.HasValue ? (byte)1 : (byte)0, min ?? 0, max.HasValue ? (byte)1 : (byte)0, max ?? 0, out var r), r);
    }

    private Tensor Reduce(int op, long[] dims, bool keepdim) => From(NativeMethods.FtTensor_Reduce(Handle, op, dims, dims.Length, keepdim ? (byte)1 : (byte)0, out var r), r);

    /// <summary>Sum of all elements (a 0-d tensor).</summary>
    public Tensor sum() => Reduce(OpCodes.ReduceSum, [], false);

    /// <summary>Sum over the given dimensions.</summary>
    public Tensor sum(long[] dims, bool keepdim = false) => Reduce(OpCodes.ReduceSum, dims, keepdim);

    /// <summary>Sum over one dimension.</summary>
    public Tensor sum(long dim, bool keepdim = false) => Reduce(OpCodes.ReduceSum, [dim], keepdim);

    /// <summary>Mean of all elements.</summary>
    public Tensor mean() => Reduce(OpCodes.ReduceMean, [], false);

    /// <summary>Mean over the given dimensions.</summary>
    public Tensor mean(long[] dims, bool keepdim = false) => Reduce(OpCodes.ReduceMean, dims, keepdim);

    /// <summary>Mean over one dimension.</summary>
    public Tensor mean(long dim, bool keepdim = false) => Reduce(OpCodes.ReduceMean, [dim], keepdim);

    /// <summary>Largest element.</summary>
    public Tensor max() => Reduce(OpCodes.ReduceMax, [], false);

    /// <summary>Smallest element.</summary>
    public Tensor min() => Reduce(OpCodes.ReduceMin, [], false);

    /// <summary>Largest values over the given dimensions.</summary>
    public Tensor amax(long[] dims, bool keepdim = false) => Reduce(OpCodes.ReduceMax, dims, keepdim);

    /// <summary>Smallest values over the given dimensions.</summary>
    public Tensor amin(long[] dims, bool keepdim = false) => Reduce(OpCodes.ReduceMin, dims, keepdim);

    /// <summary>Largest values along a dimension and their indices.</summary>
    public (Tensor values, Tensor indices) max(long dim, bool keepdim = false)
    {
        Native.Check(NativeMethods.FtTensor_MaxDim(Handle, dim, keepdim ? (byte)1 : (byte)0, out var values, out var indices));
        return (new Tensor(values), new Tensor(indices));
    }

    /// <summary>Index of the largest value along a dimension.</summary>
    public Tensor argmax(long dim, bool keepdim = false) => From(NativeMethods.FtTensor_Argmax(Handle, dim, keepdim ? (byte)1 : (byte)0, out var r), r);

    /// <summary>Vector p-norm over all elements, or over the given dimensions.</summary>
    public Tensor norm(double p = 2, long[]? dims = null, bool keepdim = false)
    {
        long[] over = dims ?? [];
        return From(NativeMethods.FtTensor_Norm(Handle, p, over, over.Length, keepdim ? (byte)1 : (byte)0, out var r), r);
    }

    /// <summary>The k largest (or smallest) values along a dimension, sorted, with their indices.</summary>
    public (Tensor values, Tensor indices) topk(long k, long dim = -1, bool largest = true)
    {
        Native.Check(NativeMethods.FtTensor_Topk(Handle, k, dim, largest ? (byte)1 : (byte)0, out var values, out var indices));
        return (new Tensor(values), new Tensor(indices));
    }

    /// <summary>Sorted values along a dimension and the permutation that sorts them.</summary>
    public (Tensor values, Tensor indices) sort(long dim = -1, bool descending = false)
    {
        Native.Check(NativeMethods.FtTensor_Sort(Handle, dim, descending ? (byte)1 : (byte)0, out var values, out var indices));
        return (new Tensor(values), new Tensor(indices));
    }

    /// <summary>Cumulative sum along a dimension.</summary>
    public Tensor cumsum(long dim) => From(NativeMethods.FtTensor_Cumsum(Handle, dim, out var r), r);

    /// <summary>Softmax along a dimension.</summary>
    public Tensor softmax(long dim) => From(NativeMethods.FtTensor_Softmax(Handle, dim, 0, out var r), r);

    /// <summary>Log-softmax along a dimension (numerically stable).</summary>
    public Tensor log_softmax(long dim) => From(NativeMethods.FtTensor_Softmax(Handle, dim, 1, out var r), r);
}
