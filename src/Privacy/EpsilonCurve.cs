namespace FineTune.Privacy;

/// <summary>
/// Epsilon as a function of the noise multiplier for a fixed run (steps, sample rate, delta), evaluated lazily and
/// answered by monotonicity where possible: epsilon falls as sigma grows, so one evaluation at sigma_k with
/// epsilon_k &lt; threshold settles every sigma &gt;= sigma_k, and one with epsilon_k &gt;= threshold every
/// sigma &lt;= sigma_k. Noise calibration asks only such threshold questions, so it needs a full accountant run
/// only where the evaluations made so far leave the answer open.
/// </summary>
internal sealed class EpsilonCurve
{
    private readonly string _mechanism;
    private readonly double _sampleRate;
    private readonly int _steps;
    private readonly double _delta;
    private readonly List<(double Sigma, double Epsilon)> _known = [];

    public EpsilonCurve(string mechanism, double sampleRate, int steps, double delta)
    {
        _mechanism = mechanism;
        _sampleRate = sampleRate;
        _steps = steps;
        _delta = delta;
    }

    /// <summary>Number of accountant runs so far.</summary>
    public int Evaluations => _known.Count;

    /// <summary>Whether epsilon at <paramref name="sigma"/> is below <paramref name="threshold"/>.</summary>
    public bool IsBelow(double sigma, double threshold)
    {
        foreach ((double knownSigma, double knownEpsilon) in _known)
        {
            if (knownSigma <= sigma && knownEpsilon < threshold)
            {
                return true;
            }

            if (knownSigma >= sigma && knownEpsilon >= threshold)
            {
                return false;
            }
        }

        return Evaluate(sigma) < threshold;
    }

    /// <summary>Epsilon at <paramref name="sigma"/>, from the accountant (or from an earlier run at the same sigma).</summary>
    public double Evaluate(double sigma)
    {
        foreach ((double knownSigma, double knownEpsilon) in _known)
        {
            if (knownSigma == sigma)
            {
                return knownEpsilon;
            }
        }

        IPrivacyAccountant accountant = PrivacyAccountants.Create(_mechanism);
        accountant.Step(sigma, _sampleRate, _steps);
        double epsilon = accountant.GetEpsilon(_delta);
        _known.Add((sigma, epsilon));
        return epsilon;
    }
}
