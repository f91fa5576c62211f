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
    // How much coarser the mesh of an estimate is than the accountant's.
    private const int CoarseMesh = 8;

    private readonly string _mechanism;
    private readonly double _sampleRate;
    private readonly int _steps;
    private readonly double _delta;
    private readonly List<(double Sigma, double Epsilon)> _known = [];
    private readonly List<(double Sigma, double Epsilon)> _estimates = [];

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

    /// <summary>
    /// A cheap estimate of epsilon at <paramref name="sigma"/>, never used in comparisons: PRV on a mesh
    /// <see cref="CoarseMesh"/> times coarser (within a few 1e-3 of the full bounds on the benchmark's cases), or
    /// RDP itself.
    /// </summary>
    public double Estimate(double sigma)
    {
        if (_mechanism != PrivacyAccountants.PrvMechanism)
        {
            return Evaluate(sigma);
        }

        foreach ((double knownSigma, double knownEpsilon) in _estimates)
        {
            if (knownSigma == sigma)
            {
                return knownEpsilon;
            }
        }

        var accountant = new PrvAccountant { MeshCoarsening = CoarseMesh };
        accountant.Step(sigma, _sampleRate, _steps);
        double epsilon = accountant.GetEpsilon(_delta);
        _estimates.Add((sigma, epsilon));
        return epsilon;
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
