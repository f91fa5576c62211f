using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// Double-precision special functions the accountants need and the BCL lacks: <c>erfc</c> and its logarithm,
/// the standard normal CDF, and accurate <c>log(1 + x)</c> / <c>exp(x) - 1</c> (the BCL's
/// <c>double.LogP1</c> and <c>double.ExpM1</c> lose precision near zero).
/// </summary>
/// <remarks>
/// The functions the PRV accountant calls millions of times per query are JIT-compiled fully optimised on first
/// call (AggressiveOptimization): a one-shot command would otherwise run its first million calls unoptimised.
/// Relative accuracy is about 1e-15 for <c>erfc</c> over its whole range. Below |x| = 1 the Maclaurin series of
/// <c>erf</c> is used; above it, the Laplace continued fraction of <c>erfc</c> (evaluated with the modified Lentz
/// method) times <c>exp(-x^2)</c>, where <c>x^2</c> is split into a rounded part and its exact FMA remainder so the
/// exponential does not lose digits for large x.
/// </remarks>
internal static partial class SpecialFunctions
{
    private const double SqrtPi = 1.7724538509055160273;
    private const double TwoOverSqrtPi = 1.1283791670955125739;
    private const double Sqrt2 = 1.4142135623730950488;

    // erfc(x) < 1e-323 (the smallest subnormal) beyond this point.
    private const double ErfcUnderflow = 27.3;

    /// <summary>Complementary error function <c>erfc(x) = 1 - erf(x)</c>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Erfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 0.0)
        {
            return 2.0 - Erfc(-x);
        }

        if (x < 1.0)
        {
            return 1.0 - ErfSeries(x);
        }

        if (x > ErfcUnderflow)
        {
            return 0.0;
        }

        return ExpMinusSquare(x) * ScaledErfc(x);
    }

    /// <summary><c>log(erfc(x))</c>, finite for large positive x where <c>erfc</c> itself underflows.</summary>
    public static double LogErfc(double x)
    {
        if (double.IsNaN(x))
        {
            return double.NaN;
        }

        if (x < 1.0)
        {
            return Math.Log(Erfc(x));
        }

        if (double.IsPositiveInfinity(x))
        {
            return double.NegativeInfinity;
        }

        double square = x * x;
        double squareRemainder = Math.FusedMultiplyAdd(x, x, -square);
        return -square - squareRemainder + Math.Log(ScaledErfc(x));
    }

    /// <summary>Standard normal cumulative distribution function.</summary>
    public static double NormalCdf(double x) => 0.5 * Erfc(-x / Sqrt2);

    /// <summary><c>log(1 + x)</c>, accurate for tiny |x| (Goldberg's correction of the rounded sum).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static double Log1P(double x)
    {
        double u = 1.0 + x;
        if (u == 1.0)
        {
            return x;
        }

        return Math.Log(u) * x / (u - 1.0);
    }

    /// <summary><c>exp(x) - 1</c>, accurate for tiny |x| (Kahan's correction).</summary>
    public static double ExpM1(double x)
    {
        double u = Math.Exp(x);
        if (u == 1.0)
        {
            return x;
        }

        double um1 = u - 1.0;
        if (um1 == -1.0 || double.IsPositiveInfinity(u))
        {
            return um1;
        }

        return um1 * x / Math.Log(u);
    }

    /// <summary><c>log(exp(a) + exp(b))</c> without overflow; <c>-inf</c> stands for zero.</summary>
    public static double LogAdd(double logX, double logY)
    {
        double low = Math.Min(logX, logY);
        double high = Math.Max(logX, logY);
        if (double.IsNegativeInfinity(low))
        {
            return high;
        }

        return Log1P(Math.Exp(low - high)) + high;
    }

    /// <summary><c>log(exp(a) - exp(b))</c> for a &gt;= b; <c>-inf</c> stands for zero.</summary>
    public static double LogSub(double logX, double logY)
    {
        if (logX < logY)
        {
            throw new ArgumentException("The difference of the two terms must be non-negative.", nameof(logY));
        }

        if (double.IsNegativeInfinity(logY))
        {
            return logX;
        }

        if (logX == logY)
        {
            return double.NegativeInfinity;
        }

        double difference = ExpM1(logX - logY);
        return double.IsPositiveInfinity(difference) ? logX : Math.Log(difference) + logY;
    }

    // erf(x) = 2/sqrt(pi) * sum_n (-1)^n x^(2n+1) / (n! (2n+1)); for |x| < 1 the terms shrink at least as
    // fast as 1/n!, so 25 terms reach far below double rounding.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ErfSeries(double x)
    {
        double square = x * x;
        double power = x;
        double sum = x;
        for (int n = 1; n < 30; n++)
        {
            power *= -square / n;
            double term = power / (2 * n + 1);
            sum += term;
            if (Math.Abs(term) < 1e-17 * Math.Abs(sum))
            {
                break;
            }
        }

        return TwoOverSqrtPi * sum;
    }

    // exp(-x^2) with x^2 = hi + lo exactly, so no digits are lost to the rounding of x*x when x is large.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static double ExpMinusSquare(double x)
    {
        double square = x * x;
        double squareRemainder = Math.FusedMultiplyAdd(x, x, -square);
        return Math.Exp(-square) * Math.Exp(-squareRemainder);
    }

    // g(x) = 1 / (x + (1/2) / (x + 1 / (x + (3/2) / (x + ...)))), so that erfc(x) = exp(-x^2) g(x) / sqrt(pi).
    // Modified Lentz evaluation; for x >= 1 it needs at most about 190 partial denominators.
    private static double ContinuedFraction(double x)
    {
        const double Tiny = 1e-300;
        double f = x;
        double c = x;
        double d = 0.0;
        for (int n = 1; n < 2000; n++)
        {
            double a = 0.5 * n;
            d = x + a * d;
            d = d == 0.0 ? 1.0 / Tiny : 1.0 / d;
            c = x + a / c;
            if (c == 0.0)
            {
                c = Tiny;
            }

            double delta = c * d;
            f *= delta;
            // Within one ulp of 1 (the neighbours of 1 are 1 - 1.1e-16 and 1 + 2.2e-16): a strict 1e-16 can miss
            // forever when rounding leaves delta one ulp above 1, running all 2000 terms (60 us a call).
            if (Math.Abs(delta - 1.0) <= 2.3e-16)
            {
                break;
            }
        }

        return 1.0 / f;
    }
}
