namespace FineTune.Privacy;

/// <summary>The log A_alpha series of the sampled Gaussian mechanism, summed in log space.</summary>
public static partial class Rdp
{
    // Both series stop once their new terms are this far below (in log space) the stopping reference.
    private const double SeriesLogCutoff = -30.0;

    // The AbsoluteBound series gives up (returns +infinity) after this many terms, as dp_accounting does.
    private const int AbsoluteBoundMaxTerms = 1000;

    // Guard against a Signed series that never meets its stopping rule; treated as "no finite bound".
    private const int SignedMaxTerms = 100_000;

    private static readonly double s_logHalf = Math.Log(0.5);

    /// <summary>
    /// log A_alpha for integer alpha (Mironov et al. 2019, section 3.3):
    /// A_alpha = sum_{i=0..alpha} C(alpha, i) (1 - q)^(alpha - i) q^i exp((i^2 - i) / (2 sigma^2)).
    /// </summary>
    internal static double LogAForIntegerOrder(double q, double sigma, int alpha)
    {
        double[] logBinomials = LogBinomialRow(alpha);
        double logQ = Math.Log(q);
        double log1MinusQ = SpecialFunctions.Log1P(-q);
        double twoSigmaSquared = 2 * sigma * sigma;
        double logA = double.NegativeInfinity;
        for (int i = 0; i <= alpha; i++)
        {
            double iDouble = i;
            double logTerm = logBinomials[i] + iDouble * logQ + (alpha - iDouble) * log1MinusQ
                + (iDouble * iDouble - iDouble) / twoSigmaSquared;
            logA = SpecialFunctions.LogAdd(logA, logTerm);
        }

        return logA;
    }

    /// <summary>
    /// log A_alpha for fractional alpha (Mironov et al. 2019, section 3.3). A_alpha splits at
    /// z0 = sigma^2 log(1/q - 1) + 1/2 into A0 (integral over z &lt;= z0) and A1 (z &gt;= z0); each is a binomial
    /// series in i whose terms carry an erfc tail factor. j = alpha - i is the mirrored exponent.
    /// </summary>
    internal static double LogAForFractionalOrder(double q, double sigma, double alpha, FractionalOrderSeries series)
    {
        double logQ = Math.Log(q);
        double log1MinusQ = SpecialFunctions.Log1P(-q);
        double twoSigmaSquared = 2 * sigma * sigma;
        double sqrt2Sigma = Math.Sqrt(2) * sigma;
        double z0 = sigma * sigma * Math.Log(1 / q - 1) + 0.5;
        bool signed = series == FractionalOrderSeries.Signed;
        int maxTerms = signed ? SignedMaxTerms : AbsoluteBoundMaxTerms;

        double logA0 = double.NegativeInfinity;
        double logA1 = double.NegativeInfinity;
        double previousLogS0 = double.NegativeInfinity;
        double previousLogS1 = double.NegativeInfinity;
        double binomial = 1.0;
        for (int i = 0; i < maxTerms; i++)
        {
            if (i > 0)
            {
                binomial *= (alpha - i + 1) / i;
            }

            double logBinomial = Math.Log(Math.Abs(binomial));
            double j = alpha - i;
            double logT0 = logBinomial + i * logQ + j * log1MinusQ;
            double logT1 = logBinomial + j * logQ + i * log1MinusQ;
            double logE0 = s_logHalf + SpecialFunctions.LogErfc((i - z0) / sqrt2Sigma);
            double logE1 = s_logHalf + SpecialFunctions.LogErfc((z0 - j) / sqrt2Sigma);
            double logS0 = logT0 + ((double)i * i - i) / twoSigmaSquared + logE0;
            double logS1 = logT1 + (j * j - j) / twoSigmaSquared + logE1;

            if (!signed || binomial > 0)
            {
                logA0 = SpecialFunctions.LogAdd(logA0, logS0);
                logA1 = SpecialFunctions.LogAdd(logA1, logS1);
            }
            else if (logA0 >= logS0 && logA1 >= logS1)
            {
                logA0 = SpecialFunctions.LogSub(logA0, logS0);
                logA1 = SpecialFunctions.LogSub(logA1, logS1);
            }
            else
            {
                throw new InvalidOperationException(
                    "The signed fractional-order RDP series went negative in floating point; "
                    + "use FractionalOrderSeries.AbsoluteBound or integer orders.");
            }

            if (signed)
            {
                if (Math.Max(logS0, logS1) < SeriesLogCutoff)
                {
                    return SpecialFunctions.LogAdd(logA0, logA1);
                }

                continue;
            }

            double total = SpecialFunctions.LogAdd(logA0, logA1);
            bool decreasing = logS0 < previousLogS0 && logS1 < previousLogS1;
            if (decreasing && Math.Max(logS0, logS1) < total + SeriesLogCutoff)
            {
                return total;
            }

            previousLogS0 = logS0;
            previousLogS1 = logS1;
        }

        return double.PositiveInfinity;
    }

    // log C(n, i) for i = 0..n, built from the ratio C(n, i) / C(n, i - 1) = (n - i + 1) / i and mirrored, so the
    // row is exactly symmetric and never overflows (C(1024, 512) alone is about 4e306).
    private static double[] LogBinomialRow(int n)
    {
        var row = new double[n + 1];
        for (int i = 1; i <= n / 2; i++)
        {
            row[i] = row[i - 1] + Math.Log((double)(n - i + 1) / i);
        }

        for (int i = n / 2 + 1; i <= n; i++)
        {
            row[i] = row[n - i];
        }

        return row;
    }
}
