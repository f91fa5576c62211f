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

    // Per node its TaylorTerms + 1 coefficients c_0 .. c_TaylorTerms, row after row.
    private static readonly Lazy<double[]> s_erfcxCoefficients = new(ErfcxCoefficients);

    // erfcx(x) for x >= 1. The continued fraction costs up to 190 divisions near x = 1, and the PRV accountant
    // evaluates erfc a few million times per query; instead expand erfcx about the nearest table node x0:
    // y = erfcx solves y' = 2 x y - 2 / sqrt(pi), so its Taylor coefficients c_n at x0 obey
    // c_1 = 2 x0 c_0 - 2 / sqrt(pi) and (n + 1) c_(n+1) = 2 x0 c_n + 2 c_(n-1). The coefficients are tabulated
    // once (the recurrence's eleven divisions per call were half the cost of a PRV step's discretisation) and
    // summed in the same order as before, so every value is the same to the bit.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static double ScaledErfc(double x)
    {
        if (!(x < TableEnd))
        {
            return ScaledErfcByContinuedFraction(x);
        }

        double[] coefficients = s_erfcxCoefficients.Value;
        int index = (int)Math.Round((x - 1.0) * NodesPerUnit);
        double node = 1.0 + index / NodesPerUnit;
        double h = x - node;
        int row = index * (TaylorTerms + 1);
        double sum = coefficients[row] + coefficients[row + 1] * h;
        double power = h;
        for (int n = 2; n <= TaylorTerms; n++)
        {
            power *= h;
            sum += coefficients[row + n] * power;
        }

        return sum;
    }

    internal static double ScaledErfcByContinuedFraction(double x) => ContinuedFraction(x) / SqrtPi;

    private static double[] ErfcxCoefficients()
    {
        int nodes = (int)((TableEnd - 1.0) * NodesPerUnit) + 2;
        var coefficients = new double[nodes * (TaylorTerms + 1)];
        for (int i = 0; i < nodes; i++)
        {
            double node = 1.0 + i / NodesPerUnit;
            int row = i * (TaylorTerms + 1);
            double previous = ScaledErfcByContinuedFraction(node);
            double current = 2 * node * previous - TwoOverSqrtPi;
            coefficients[row] = previous;
            coefficients[row + 1] = current;
            for (int n = 1; n < TaylorTerms; n++)
            {
                double next = (2 * node * current + 2 * previous) / (n + 1);
                coefficients[row + n + 1] = next;
                (previous, current) = (current, next);
            }
        }

        return coefficients;
    }
}
