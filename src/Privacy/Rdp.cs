using System.Globalization;
using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// Renyi differential privacy (RDP, Mironov 2017) of the sampled Gaussian mechanism, and its conversion to
/// (epsilon, delta)-DP. Pure static math with no state; <see cref="RdpAccountant"/> keeps the history.
/// </summary>
/// <remarks>
/// <para>
/// Notation (Mironov, Talwar and Zhang 2019, "Renyi Differential Privacy of the Sampled Gaussian Mechanism"):
/// q is the Poisson sampling rate, sigma the noise multiplier (noise standard deviation over the L2 sensitivity),
/// alpha an RDP order (&gt; 1). The RDP of one step at order alpha is log(A_alpha) / (alpha - 1), and RDP composes
/// additively over steps.
/// </para>
/// <para>
/// The conversion to epsilon is Balle et al. 2020 ("Hypothesis Testing Interpretations and Renyi Differential
/// Privacy", theorem 21), also Canonne, Kamath and Steinke 2020:
/// epsilon = rdp - (log delta + log alpha) / (alpha - 1) + log((alpha - 1) / alpha), minimised over the orders.
/// </para>
/// </remarks>
public static partial class Rdp
{
    private static readonly double[] s_defaultOrders = CreateDefaultOrders();

    /// <summary>
    /// Opacus's default orders: 1.1, 1.2, ..., 10.9 followed by the integers 12 to 63 (151 orders).
    /// </summary>
    public static IReadOnlyList<double> DefaultOrders => s_defaultOrders;

    /// <summary>
    /// RDP of <paramref name="steps"/> compositions of the sampled Gaussian mechanism, one value per order.
    /// </summary>
    /// <param name="q">Poisson sampling rate, in [0, 1]. 0 costs nothing; 1 is the plain Gaussian mechanism.</param>
    /// <param name="noiseMultiplier">Noise standard deviation divided by the clipping norm; 0 means no privacy.</param>
    /// <param name="steps">Number of identical steps composed.</param>
    /// <param name="orders">RDP orders, each &gt; 1 (positive infinity is allowed and yields infinity).</param>
    /// <param name="series">How fractional orders sum their series; see <see cref="FractionalOrderSeries"/>.</param>
    /// <returns>The RDP at each order, possibly <see cref="double.PositiveInfinity"/>.</returns>
    public static double[] ComputeRdp(
        double q,
        double noiseMultiplier,
        int steps,
        IReadOnlyList<double> orders,
        FractionalOrderSeries series = FractionalOrderSeries.Signed)
    {
        PrivacyArguments.SampleRate(q);
        PrivacyArguments.NoiseMultiplier(noiseMultiplier);
        PrivacyArguments.Steps(steps);
        ValidateOrders(orders);

        var rdp = new double[orders.Count];
        if (steps == 0)
        {
            return rdp;
        }

        for (int k = 0; k < rdp.Length; k++)
        {
            rdp[k] = ComputeRdpOfOneStep(q, noiseMultiplier, orders[k], series) * steps;
        }

        return rdp;
    }

    /// <summary>
    /// Converts RDP values to epsilon at <paramref name="delta"/>, using the best of the given orders.
    /// </summary>
    /// <param name="orders">RDP orders, each &gt; 1.</param>
    /// <param name="rdp">RDP at each order (same length as <paramref name="orders"/>).</param>
    /// <param name="delta">Target delta, in (0, 1).</param>
    /// <returns>
    /// The smallest epsilon and the order that attains it (the first on ties); (+infinity, NaN) when no order
    /// gives a finite bound.
    /// </returns>
    public static (double Epsilon, double Order) GetPrivacySpent(
        IReadOnlyList<double> orders,
        IReadOnlyList<double> rdp,
        double delta)
    {
        ValidateOrders(orders);
        ArgumentNullException.ThrowIfNull(rdp);
        PrivacyArguments.Delta(delta);
        if (orders.Count != rdp.Count)
        {
            throw new ArgumentException(
                string.Create(
                    CultureInfo.InvariantCulture,
                    $"Got {orders.Count} orders but {rdp.Count} RDP values; they must have the same length."),
                nameof(rdp));
        }

        double logDelta = Math.Log(delta);
        double bestEpsilon = double.NaN;
        double bestOrder = double.NaN;
        for (int k = 0; k < orders.Count; k++)
        {
            double alpha = orders[k];
            double epsilon = rdp[k] - (logDelta + Math.Log(alpha)) / (alpha - 1) + Math.Log((alpha - 1) / alpha);
            if (double.IsNaN(epsilon))
            {
                continue;
            }

            if (double.IsNaN(bestEpsilon) || epsilon < bestEpsilon)
            {
                bestEpsilon = epsilon;
                bestOrder = alpha;
            }
        }

        return double.IsNaN(bestEpsilon) ? (double.PositiveInfinity, double.NaN) : (bestEpsilon, bestOrder);
    }

    /// <summary>RDP of a single step at one order, with the special cases q = 0, sigma = 0 and q = 1.</summary>
    internal static double ComputeRdpOfOneStep(
        double q,
        double noiseMultiplier,
        double alpha,
        FractionalOrderSeries series)
    {
        if (q == 0.0)
        {
            return 0.0;
        }

        if (noiseMultiplier == 0.0)
        {
            return double.PositiveInfinity;
        }

        if (q == 1.0)
        {
            // Plain Gaussian mechanism: RDP = alpha / (2 sigma^2).
            return alpha / (2 * noiseMultiplier * noiseMultiplier);
        }

        if (double.IsPositiveInfinity(alpha))
        {
            return double.PositiveInfinity;
        }

        double logA = alpha == Math.Floor(alpha)
            ? LogAForIntegerOrder(q, noiseMultiplier, (int)alpha)
            : LogAForFractionalOrder(q, noiseMultiplier, alpha, series);
        return logA / (alpha - 1);
    }

    /// <summary>Requires a non-null list of orders, each &gt; 1 (or +infinity).</summary>
    internal static void ValidateOrders(
        IReadOnlyList<double> orders,
        [CallerArgumentExpression(nameof(orders))] string? paramName = null)
    {
        ArgumentNullException.ThrowIfNull(orders, paramName);
        for (int k = 0; k < orders.Count; k++)
        {
            double alpha = orders[k];
            bool tooLarge = alpha > int.MaxValue && !double.IsPositiveInfinity(alpha);
            if (double.IsNaN(alpha) || alpha <= 1.0 || tooLarge)
            {
                throw new ArgumentOutOfRangeException(
                    paramName,
                    alpha,
                    "Every RDP order must be > 1 (and either finite up to int.MaxValue or +infinity).");
            }
        }
    }

    private static double[] CreateDefaultOrders()
    {
        var orders = new List<double>(151);
        for (int x = 1; x < 100; x++)
        {
            orders.Add(1 + x / 10.0);
        }

        for (int order = 12; order < 64; order++)
        {
            orders.Add(order);
        }

        return [.. orders];
    }
}
