namespace FineTune.Torch;

/// <summary>C# operators; each returns a new tensor the caller owns, like the named methods.</summary>
public sealed partial class Tensor
{
    /// <summary>Elementwise sum.</summary>
    public static Tensor operator +(Tensor a, Tensor b) => a.add(b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(Tensor a, double b) => a.add(b);

    /// <summary>Adds a scalar.</summary>
    public static Tensor operator +(double a, Tensor b) => b.add(a);

    /// <summary>Elementwise difference.</summary>
    public static Tensor operator -(Tensor a, Tensor b) => a.sub(b);

    /// <summary>Subtracts a scalar.</summary>
    public static Tensor operator -(Tensor a, double b) => a.sub(b);

    /// <summary>Scalar minus tensor.</summary>
    public static Tensor operator -(double a, Tensor b)
    {
        using Tensor negated = b.neg();
        return negated.add(a);
    }

    /// <summary>Negation.</summary>
    public static Tensor operator -(Tensor a) => a.neg();

    /// <summary>Elementwise product.</summary>
    public static Tensor operator *(Tensor a, Tensor b) => a.mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(Tensor a, double b) => a.mul(b);

    /// <summary>Multiplies by a scalar.</summary>
    public static Tensor operator *(double a, Tensor b) => b.mul(a);

    /// <summary>Elementwise quotient.</summary>
    public static Tensor operator /(Tensor a, Tensor b) => a.div(b);

    /// <summary>Divides by a scalar.</summary>
    public static Tensor operator /(Tensor a, double b) => a.div(b);

    /// <summary>Scalar divided by tensor.</summary>
    public static Tensor operator /(double a, Tensor b)
    {
        using Tensor inverse = b.reciprocal();
        return inverse.mul(a);
    }
}
