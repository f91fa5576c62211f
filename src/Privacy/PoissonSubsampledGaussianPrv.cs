using System.Runtime.CompilerServices;

namespace FineTune.Privacy;

/// <summary>
/// The privacy loss random variable (PRV) of one step of the Poisson-subsampled Gaussian mechanism, through its
/// CDF (Gopi, Lee and Wutschitz 2021, "Numerical Composition of Differential Privacy", propositions B1 and B4).
/// </summary>
/// <remarks>
/// With q the sampling rate and sigma the noise multiplier, the loss t exceeds log(1 - q) almost surely. For
/// t &gt; log(1 - q), with z = log((e^t + q - 1) / q) and s = 2 sqrt(2) sigma:
/// CDF(t) = 1 - (q / 2) erfc((2 z sigma^2 - 1) / s) - ((1 - q) / 2) erfc((2 z sigma^2 + 1) / s).
/// The expression is evaluated in the same order as Opacus's so the two agree to rounding.
/// </remarks>
internal sealed class PoissonSubsampledGaussianPrv
{
    private readonly double _q;
    private readonly double _sigma;
    private readonly double _lowerLimit;
    private readonly double _sigmaSquared;
    private readonly double _erfcDenominator;

    // log q, taken once: discretising a step evaluates a tail at up to a million points.
    private readonly double _logQ;

    /// <summary>Creates the PRV for sampling rate <paramref name="q"/> in (0, 1] and noise multiplier &gt; 0.</summary>
    public PoissonSubsampledGaussianPrv(double q, double sigma)
    {
        _q = q;
        _sigma = sigma;
        _lowerLimit = Math.Log(1 - q);
        _sigmaSquared = sigma * sigma;
        _erfcDenominator = 2 * Math.Sqrt(2) * sigma;
        _logQ = Math.Log(q);
    }

    /// <summary>Sampling rate q.</summary>
    public double SampleRate => _q;

    /// <summary>Noise multiplier sigma.</summary>
    public double NoiseMultiplier => _sigma;

    /// <summary>log(1 - q): the loss exceeds it almost surely, so the CDF is 0 up to it (-infinity for q = 1).</summary>
    public double LowerLimit => _lowerLimit;

    /// <summary>P(loss &lt;= t).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double Cdf(double t)
    {
        if (!(t > _lowerLimit))
        {
            return 0.0;
        }

        double z = Math.Log((Math.Exp(t) + _q - 1) / _q);
        double upper = SpecialFunctions.Erfc((2 * z * _sigmaSquared - 1) / _erfcDenominator);
        double lower = SpecialFunctions.Erfc((2 * z * _sigmaSquared + 1) / _erfcDenominator);
        return -_q * upper / 2 - (1 - _q) * lower / 2 + 1.0;
    }

    /// <summary>
    /// P(loss &gt; t) as a sum of two positive terms, accurate where it is far below the rounding of 1 - CDF (the
    /// accountant cuts the tails it may ignore at masses like 1e-20).
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double UpperTail(double t)
    {
        if (!(t > _lowerLimit))
        {
            return 1.0;
        }

        double z = LogLikelihoodRatioArgument(t);
        return _q * SpecialFunctions.Erfc((2 * z * _sigmaSquared - 1) / _erfcDenominator) / 2
            + (1 - _q) * SpecialFunctions.Erfc((2 * z * _sigmaSquared + 1) / _erfcDenominator) / 2;
    }

    /// <summary>P(loss &lt;= t) as a sum of two positive terms, accurate where it is tiny (erfc(-x) = 2 - erfc(x)).</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public double LowerTail(double t)
    {
        if (!(t > _lowerLimit))
        {
            return 0.0;
        }

        double z = LogLikelihoodRatioArgument(t);
        return _q * SpecialFunctions.Erfc(-(2 * z * _sigmaSquared - 1) / _erfcDenominator) / 2
            + (1 - _q) * SpecialFunctions.Erfc(-(2 * z * _sigmaSquared + 1) / _erfcDenominator) / 2;
    }

    // z = log((e^t + q - 1) / q), written so that e^t cannot overflow for large t.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private double LogLikelihoodRatioArgument(double t) =>
        _q == 1.0 ? t : t + SpecialFunctions.Log1P((_q - 1) * Math.Exp(-t)) - _logQ;
}
