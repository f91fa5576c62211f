namespace FineTune.Privacy;

/// <summary>
/// Globally adaptive Gauss-Legendre quadrature for smooth integrands, in the manner of QUADPACK's QAG (scipy's
/// <c>quad</c>, which Opacus uses): each interval's error is estimated by comparing a 20-point rule on it with the
/// rules on its two halves, and the interval with the largest error is split until the errors sum to the tolerance
/// (or to rounding) or the interval budget is spent.
/// </summary>
/// <remarks>
/// A budget on intervals (QUADPACK's <c>limit</c>) rather than a per-interval depth bounds the cost: a local
/// recursion that halves the tolerance at every level can refine a long stretch whose rounding noise never meets
/// the halved tolerance down to the maximum depth, which took minutes for some PRV means (sigma = 0.35).
/// </remarks>
internal static class GaussLegendre
{
    private const int Points = 20;

    // Opacus calls quad with limit=500; each split here costs four 20-point rules.
    private const int MaxIntervals = 500;

    // Two estimates of an integral cannot agree more closely than rounding allows: about 1e-15 of the integral,
    // plus the absolute rounding of integrand values of order one (1e-15 per unit of width), for integrands like
    // CDFs computed as 1 - (...). Without this floor a tiny tolerance refines noisy regions to the budget.
    private const double RoundoffFloor = 1e-15;

    private static readonly (double[] Nodes, double[] Weights) s_rule = CreateRule(Points);

    /// <summary>Integral of <paramref name="f"/> over [a, b] to about <paramref name="absoluteTolerance"/>.</summary>
    public static double Integrate(Func<double, double> f, double a, double b, double absoluteTolerance)
    {
        ArgumentNullException.ThrowIfNull(f);
        var intervals = new List<Interval> { Estimate(f, a, b, Apply(f, a, b)) };
        var queue = new PriorityQueue<int, double>();
        queue.Enqueue(0, -intervals[0].Error);
        double totalError = intervals[0].Error;
        double totalRoundoff = intervals[0].Roundoff;
        while (totalError > Math.Max(absoluteTolerance, totalRoundoff) && intervals.Count < MaxIntervals)
        {
            int index = queue.Dequeue();
            Interval worst = intervals[index];
            double middle = 0.5 * (worst.Left + worst.Right);
            if (middle <= worst.Left || middle >= worst.Right)
            {
                // Too narrow to split in double precision: its error is what rounding leaves.
                totalError -= worst.Error;
                continue;
            }

            Interval left = Estimate(f, worst.Left, middle, worst.LeftHalf);
            Interval right = Estimate(f, middle, worst.Right, worst.RightHalf);
            totalError += left.Error + right.Error - worst.Error;
            totalRoundoff += left.Roundoff + right.Roundoff - worst.Roundoff;
            intervals[index] = left;
            intervals.Add(right);
            queue.Enqueue(index, -left.Error);
            queue.Enqueue(intervals.Count - 1, -right.Error);
        }

        double sum = 0.0;
        foreach (Interval interval in intervals)
        {
            sum += interval.Value;
        }

        return sum;
    }

    // The rule on [a, b] (already known as `whole`) refined by its halves, with the difference as the error.
    private static Interval Estimate(Func<double, double> f, double a, double b, double whole)
    {
        double middle = 0.5 * (a + b);
        double left = Apply(f, a, middle);
        double right = Apply(f, middle, b);
        double refined = left + right;
        double roundoff = RoundoffFloor * (Math.Abs(refined) + (b - a));
        return new Interval(a, b, refined, Math.Abs(refined - whole), roundoff, left, right);
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

    private readonly record struct Interval(
        double Left,
        double Right,
        double Value,
        double Error,
        double Roundoff,
        double LeftHalf,
        double RightHalf);
}
