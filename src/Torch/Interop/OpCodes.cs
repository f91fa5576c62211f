namespace FineTune.Torch.Interop;

/// <summary>Op codes of the multiplexed math exports; values mirror the defines in ft_shim.h.</summary>
internal static class OpCodes
{
    internal const int Neg = 0, Exp = 1, Log = 2, Sqrt = 3, Rsqrt = 4, Cos = 5, Sin = 6, Tanh = 7, Sigmoid = 8;
    internal const int Silu = 9, Relu = 10, Abs = 11, Gelu = 12, GeluTanh = 13, Reciprocal = 14, IsFinite = 15;
    internal const int LogicalNot = 16, Square = 17;

    internal const int Add = 0, Sub = 1, Mul = 2, Div = 3, Pow = 4, Maximum = 5, Minimum = 6;
    internal const int Eq = 7, Ne = 8, Lt = 9, Le = 10, Gt = 11, Ge = 12, LogicalAnd = 13, LogicalOr = 14;

    internal const int ReduceSum = 0, ReduceMean = 1, ReduceMax = 2, ReduceMin = 3;
}
