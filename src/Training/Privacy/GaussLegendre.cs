namespace FineTune.Training.Privacy;

/// <summary>
/// Adaptive Gauss-Legendre quadrature for smooth integrands: a 20-point rule on an interval is accepted once it
/// agrees with the sum of the rules on its two halves (to the tolerance, or to rounding), otherwise both halves
/// are refined with half the tolerance each.
/// </summary>
internal static class GaussLegendre
{
    private const int Points = 20;
    private const int MaxDepth = 40;

    // Two estimates of an integral cannot agree more closely than rounding allows: about 1e-15 of the integral,
    // plus the absolute rounding of integrand values of order one (1e-15 per unit of width), for integrands like
    // CDFs computed as 1 - (...). Without this floor a tiny tolerance refines noisy regions to the maximum depth.
    private const double RoundoffFloor = 1e-15;

    private static readonly (double[] Nodes, double[] Weights) s_rule = CreateRule(Points);

    /// <summary>Integral of <paramref name="f"/> over [a, b] to about <paramref name="absoluteTolerance"/>.</summary>
    public static double Integrate(Func<double, double> f, double a, double b, double absoluteTolerance)
    {
        ArgumentNullException.ThrowIfNull(f);
        return Refine(f, a, b, Apply(f, a, b), absoluteTolerance, MaxDepth);
    }

    private static double Refine(Func<double, double> f, double a, double b, double whole, double tolerance, int depth)
    {
        double middle = 0.5 * (a + b);
        double left = Apply(f, a, middle);
        double right = Apply(f, middle, b);
        double refined = left + right;
        double roundoff = RoundoffFloor * (Math.Abs(refined) + (b - a));
        if (depth == 0 || Math.Abs(refined - whole) <= Math.Max(tolerance, roundoff))
        {
            return refined;
        }

        return Refine(f, a, middle, left, 0.5 * tolerance, depth - 1)
            + Refine(f, middle, b, right, 0.5 * tolerance, depth - 1);
    }

    private static double Apply(Func<double, double> f, double a, double b)
    {
        double halfWidth = 0.5 * (b - a);
        double center = 0.5 * (a + b);
        (double[] nodes, double[] weights) = s_rule;
        double sum = 0.0;
        for (int k = 0; k < nodes.Length; k++)
        {
            sum += weights[k] * f(center + halfWidth * nodes[k]);
        }

        return halfWidth * sum;
    }

    // Nodes are the roots of the Legendre polynomial P_n, found by Newton's method from the asymptotic guess
    // cos(pi (k - 1/4) / (n + 1/2)); weights are 2 / ((1 - x^2) P_n'(x)^2).
    private static (double[] Nodes, double[] Weights) CreateRule(int n)
    {
        var nodes = new double[n];
        var weights = new double[n];
        for (int k = 0; k < n; k++)
        {
            double x = Math.Cos(Math.PI * (k + 0.75) / (n + 0.5));
            double derivative = 0.0;
            for (int iteration = 0; iteration < 100; iteration++)
            {
                (double value, derivative) = Legendre(n, x);
                double step = value / derivative;
                x -= step;
                if (Math.Abs(step) < 1e-16)
                {
                    break;
                }
            }

            (_, derivative) = Legendre(n, x);
            nodes[k] = x;
            weights[k] = 2.0 / ((1.0 - x * x) * derivative * derivative);
        }

        return (nodes, weights);
    }

    // P_n(x) and P_n'(x) by the three-term recurrence (j + 1) P_{j+1} = (2j + 1) x P_j - j P_{j-1}.
    private static (double Value, double Derivative) Legendre(int n, double x)
    {
        double previous = 1.0;
        double current = x;
        for (int j = 1; j < n; j++)
        {
            double next = ((2 * j + 1) * x * current - j * previous) / (j + 1);
            previous = current;
            current = next;
        }

        double derivative = n * (x * current - previous) / (x * x - 1.0);
        return (current, derivative);
    }
}
