using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// A composed PRV discretised on a <see cref="PrvDomain"/>: probability mass per grid point, converted to epsilon
/// bounds (Gopi, Lee and Wutschitz 2021, section 5).
/// </summary>
/// <param name="Pmf">Mass at each grid point.</param>
/// <param name="Domain">The grid the mass lives on.</param>
internal sealed record DiscretePrv(double[] Pmf, PrvDomain Domain)
{
    /// <summary>
    /// Epsilon for <paramref name="delta"/> with its error bars: the estimate uses delta itself, the upper bound
    /// delta - deltaError plus epsilonError, the lower bound delta + deltaError minus epsilonError.
    /// </summary>
    /// <remarks>
    /// With d1[i] = sum_{j &gt;= i} p_j and d2[i] = sum_{j &gt;= i} p_j e^(t_i - t_j), the delta at epsilon = t_i is
    /// d1[i] - d2[i]. The first grid index whose delta is at most the target brackets epsilon, which is then solved
    /// exactly from t_i + log((d1[i] - target) / d2[i]). (Opacus sums p_j e^(-t_j), which underflows to 0 for
    /// epsilons in the hundreds and more; d2 is accumulated as d2[i] = p_i + e^(-dt) d2[i + 1] instead.) The FFT leaves rounding noise of both signs on every
    /// cell (about T times the unit roundoff, since the spectrum is raised to the power T); true masses are &gt;= 0,
    /// so twice the negative mass above a point measures the noise there, and the upper bound spends it like delta
    /// error. Opacus instead refuses a grid larger than (delta - deltaError) / eps(long double), a size rule that
    /// both passes noisy cases and refuses clean ones.
    /// </remarks>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public (double Lower, double Estimate, double Upper) ComputeEpsilon(
        double delta,
        double deltaError,
        double epsilonError)
    {
        // Grid points as Domain.Points() computes them (linspace), without holding them all.
        int n = Pmf.Length;
        double step = (Domain.TMax - Domain.TMin) / (n - 1);
        double Point(int i) => i == n - 1 ? Domain.TMax : i * step + Domain.TMin;
        var tails = new TailSums(Pmf, Math.Exp(-Domain.Dt));
        double TailMass(int i) => tails.At(i).Mass;
        double TailDiscounted(int i) => tails.At(i).Discounted;
        double TailNoise(int i) => tails.At(i).Noise;

        // -delta(t_i) = d2[i] - d1[i] rises with i; the noisy key subtracts the noise above t_i, so it rises too.
        double NegativeDelta(int i)
        {
            (double mass, double discounted, _) = tails.At(i);
            return discounted - mass;
        }

        double NoisyNegativeDelta(int i)
        {
            (double mass, double discounted, double noise) = tails.At(i);
            return discounted - mass - noise;
        }

        double Solve(int i, double deltaTarget)
        {
            // i = 0 means epsilon lies left of every point, where delta(eps) = d1[0] - e^(eps - t_0) d2[0] holds exactly.
            if (i >= n)
            {
                throw new InvalidOperationException("Epsilon lies outside the PRV domain; cannot compute it.");
            }

            return Point(i) + Math.Log((TailMass(i) - deltaTarget) / TailDiscounted(i));
        }

        // The upper bound reads delta - deltaError - noise, the noise counted above the epsilon it brackets.
        double upperTarget = delta - deltaError;
        int upperIndex = LowerBound(NoisyNegativeDelta, n, -upperTarget);
        double noise = upperIndex < n ? TailNoise(upperIndex) : 0.0;
        if (noise >= upperTarget / 2)
        {
            throw new InvalidOperationException(string.Create(
                System.Globalization.CultureInfo.InvariantCulture,
                $"The FFT's rounding noise ({noise:E1} of mass above epsilon) is too close to delta - delta error ({upperTarget:E1}); use a larger delta or rdp."));
        }

        double upper = Solve(upperIndex, upperTarget - noise) + epsilonError;
        double lowerTarget = delta + deltaError + noise;
        double lower = Solve(LowerBound(NegativeDelta, n, -lowerTarget), lowerTarget) - epsilonError;
        double estimate = Solve(LowerBound(NegativeDelta, n, -delta), delta);
        return (lower, estimate, upper);
    }

    // First index whose value is >= key, by binary search over values ascending in the index (numpy searchsorted,
    // side=left).
    private static int LowerBound(Func<int, double> value, int count, double key)
    {
        int low = 0;
        int high = count;
        while (low < high)
        {
            int middle = low + ((high - low) >> 1);
            if (value(middle) < key)
            {
                low = middle + 1;
            }
            else
            {
                high = middle;
            }
        }

        return low;
    }
}
