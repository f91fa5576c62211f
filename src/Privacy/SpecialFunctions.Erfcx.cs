using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>The scaled complementary error function erfcx(x) = e^(x^2) erfc(x) for x &gt;= 1, by Taylor tables.</summary>
internal static partial class SpecialFunctions
{
    // Table nodes 1, 1 + 1/32, ... up to the first beyond this; past it the continued fraction needs few terms.
    private const double TableEnd = 28.0;
    private const double NodesPerUnit = 32.0;

    // |x - node| <= 1/64 and the Taylor coefficients at a node >= 1 shrink at least as 1 / node^n, so 12 terms
    // leave (1/64)^13 ~ 3e-24 of the value: far below the double rounding.
    private const int TaylorTerms = 12;

    private static readonly Lazy<double[]> s_erfcxNodes = new(ErfcxNodes);

    // erfcx(x) for x >= 1. The continued fraction costs up to 190 divisions near x = 1, and the PRV accountant
    // evaluates erfc a few million times per query; instead expand erfcx about the nearest table node x0:
    // y = erfcx solves y' = 2 x y - 2 / sqrt(pi), so its Taylor coefficients c_n at x0 obey
    // c_1 = 2 x0 c_0 - 2 / sqrt(pi) and (n + 1) c_(n+1) = 2 x0 c_n + 2 c_(n-1).
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double ScaledErfc(double x)
    {
        if (!(x < TableEnd))
        {
            return ScaledErfcByContinuedFraction(x);
        }

        double[] nodes = s_erfcxNodes.Value;
        int index = (int)Math.Round((x - 1.0) * NodesPerUnit);
        double node = 1.0 + index / NodesPerUnit;
        double h = x - node;
        double previous = nodes[index];
        double current = 2 * node * previous - TwoOverSqrtPi;
        double sum = previous + current * h;
        double power = h;
        for (int n = 1; n < TaylorTerms; n++)
        {
            double next = (2 * node * current + 2 * previous) / (n + 1);
            power *= h;
            sum += next * power;
            (previous, current) = (current, next);
        }

        return sum;
    }

    /// <summary>erfcx(x) for x &gt;= 1 from the continued fraction alone: the table's source, and its check.</summary>
    internal static double ScaledErfcByContinuedFraction(double x) => ContinuedFraction(x) / SqrtPi;

    private static double[] ErfcxNodes()
    {
        var nodes = new double[(int)((TableEnd - 1.0) * NodesPerUnit) + 2];
        for (int i = 0; i < nodes.Length; i++)
        {
            nodes[i] = ScaledErfcByContinuedFraction(1.0 + i / NodesPerUnit);
        }

        return nodes;
    }
}
