namespace FineTune.Privacy;

/// <summary>
/// The epsilon lower bound of a one-run privacy audit (Steinke, Nasr and Jagielski 2023, "Privacy auditing with one
/// (1) training run", pure epsilon-DP case). An epsilon-DP training run makes the number of correct membership
/// guesses stochastically dominated by Binomial(guesses, e^eps / (1 + e^eps)), so observing <c>correct</c> of
/// <c>guesses</c> rules out, at confidence 1 - beta, every epsilon whose binomial upper tail at <c>correct</c> is
/// at most beta. The bound is the largest such epsilon; 0 when even epsilon = 0 explains the guesses.
/// </summary>
public static class AuditBound
{
    private const double Tolerance = 1e-12;
    private const double MaxEpsilon = 1e6;

    /// <summary>The largest epsilon ruled out at confidence 1 - <paramref name="beta"/>.</summary>
    /// <param name="guesses">Canaries guessed (the rest abstained on), >= 0.</param>
    /// <param name="correct">Correct guesses, in [0, guesses].</param>
    /// <param name="beta">1 - confidence, in (0, 1); 0.05 for 95%.</param>
    public static double EpsilonLowerBound(int guesses, int correct, double beta)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(guesses);
        if (correct < 0 || correct > guesses)
        {
            throw new ArgumentOutOfRangeException(nameof(correct), correct, "Correct guesses must lie in [0, guesses].");
        }

        if (!(beta > 0 && beta < 1))
        {
            throw new ArgumentOutOfRangeException(nameof(beta), beta, "Beta must lie in the open interval (0, 1).");
        }

        double logBeta = Math.Log(beta);
        if (correct == 0 || LogUpperTail(guesses, correct, 0) > logBeta)
        {
            return 0.0;
        }

        // The tail grows with epsilon: bracket the crossing by doubling, then bisect.
        double low = 0, high = 1;
        while (LogUpperTail(guesses, correct, high) <= logBeta && high < MaxEpsilon)
        {
            low = high;
            high *= 2;
        }

        while (high - low > Tolerance * Math.Max(1, low))
        {
            double mid = (low + high) / 2;
            if (LogUpperTail(guesses, correct, mid) <= logBeta)
            {
                low = mid;
            }
            else
            {
                high = mid;
            }
        }

        return low;
    }

    // log P[Binomial(n, p) >= k] with p = e^eps / (1 + e^eps), summed in log space so large n and eps do not
    // underflow: log p = -log(1 + e^-eps), log(1 - p) = -log(1 + e^eps).
    private static double LogUpperTail(int n, int k, double epsilon)
    {
        double logP = -SoftPlus(-epsilon);
        double logQ = -SoftPlus(epsilon);
        double logCoefficient = 0; // log C(n, 0)
        double logTail = double.NegativeInfinity;
        for (int i = 0; i <= n; i++)
        {
            if (i >= k)
            {
                logTail = SpecialFunctions.LogAdd(logTail, logCoefficient + (i * logP) + ((n - i) * logQ));
            }

            logCoefficient += Math.Log(n - i) - Math.Log(i + 1);
        }

        return logTail;
    }

    private static double SoftPlus(double x) => x > 0 ? x + SpecialFunctions.Log1P(Math.Exp(-x)) : SpecialFunctions.Log1P(Math.Exp(x));
}
