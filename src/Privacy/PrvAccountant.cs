using System.Globalization;

namespace FineTune.Privacy;

/// <summary>
/// Privacy accountant by numerical composition of privacy loss random variables (PRVs; Gopi, Lee and Wutschitz
/// 2021, "Numerical Composition of Differential Privacy"), following Opacus's <c>PRVAccountant</c>. Tighter than
/// RDP, but each <see cref="GetEpsilon"/> discretises and FFT-composes the whole history, so it costs tenths of a
/// second to seconds rather than microseconds.
/// </summary>
/// <remarks>
/// Per query: 1) choose the truncation window [-L, L] from RDP bounds at deltaError (Gopi et al., remark 5.6, as
/// Opacus adapts it) and the mesh eps_error / sqrt(steps log(12 / deltaError) / 2); 2) discretise each distinct
/// step's PRV, truncated to the window, and correct its mean; 3) compose by FFT; 4) read epsilon off the composed
/// mass function at delta, with error bars eps_error and deltaError. The result is cached until the next step.
/// </remarks>
public sealed class PrvAccountant : IPrivacyAccountant
{
    /// <summary>Default accuracy target for epsilon (Opacus's <c>eps_error</c>).</summary>
    public const double DefaultEpsilonError = 0.01;

    // Refuse grids beyond this many points: the FFT would need several GiB.
    private const int MaxDomainSize = 1 << 26;

    private readonly StepHistory _history = new();
    private long _version;
    private (long Version, double Delta, PrvEpsilon Result)? _cached;

    /// <summary>Creates a PRV accountant.</summary>
    /// <param name="epsilonError">Accuracy target for epsilon, &gt; 0 (Opacus default 0.01).</param>
    /// <param name="deltaError">
    /// Accuracy target for delta, &gt; 0 and below the delta asked for; null means delta / 1000, as in Opacus.
    /// </param>
    public PrvAccountant(double epsilonError = DefaultEpsilonError, double? deltaError = null)
    {
        PrivacyArguments.Positive(epsilonError);
        if (deltaError is { } value)
        {
            PrivacyArguments.Delta(value, nameof(deltaError));
        }

        EpsilonError = epsilonError;
        DeltaError = deltaError;
    }

    /// <summary>Accuracy target for epsilon.</summary>
    public double EpsilonError { get; }

    /// <summary>Accuracy target for delta; null means delta / 1000 of each query.</summary>
    public double? DeltaError { get; }

    /// <inheritdoc />
    public string Mechanism => PrivacyAccountants.PrvMechanism;

    /// <inheritdoc />
    public IReadOnlyList<PrivacyHistoryEntry> History => _history.Entries;

    /// <inheritdoc />
    public void Step(double noiseMultiplier, double sampleRate) => Step(noiseMultiplier, sampleRate, 1);

    /// <inheritdoc />
    public void Step(double noiseMultiplier, double sampleRate, int steps)
    {
        _history.Add(noiseMultiplier, sampleRate, steps);
        if (steps > 0)
        {
            _version++;
        }
    }

    /// <summary>The upper bound <see cref="PrvEpsilon.Upper"/>, as Opacus reports; 0 with no steps.</summary>
    /// <param name="delta">Target delta, in (0, 1).</param>
    public double GetEpsilon(double delta) => GetEpsilonBounds(delta).Upper;

    /// <summary>Epsilon at <paramref name="delta"/> with its lower and upper error bounds.</summary>
    /// <param name="delta">Target delta, in (0, 1).</param>
    public PrvEpsilon GetEpsilonBounds(double delta)
    {
        PrivacyArguments.Delta(delta);
        double deltaError = DeltaError ?? delta / 1000;
        if (deltaError >= delta)
        {
            throw new ArgumentOutOfRangeException(
                nameof(delta),
                delta,
                string.Create(CultureInfo.InvariantCulture, $"Delta must exceed the delta error {deltaError}."));
        }

        if (_cached is { } cached && cached.Version == _version && cached.Delta == delta)
        {
            return cached.Result;
        }

        PrvEpsilon result = Compute(delta, deltaError);
        _cached = (_version, delta, result);
        return result;
    }

    private PrvEpsilon Compute(double delta, double deltaError)
    {
        // Steps with q = 0 leak nothing (and have no PRV); sigma = 0 with q > 0 leaks everything.
        var entries = _history.Entries.Where(e => e.SampleRate > 0.0).ToList();
        if (entries.Count == 0)
        {
            return new PrvEpsilon(0.0, 0.0, 0.0);
        }

        if (entries.Any(e => e.NoiseMultiplier == 0.0))
        {
            return new PrvEpsilon(double.PositiveInfinity, double.PositiveInfinity, double.PositiveInfinity);
        }

        long totalSteps = entries.Sum(e => (long)e.Steps);
        double halfWidth = SafeDomainHalfWidth(entries, totalSteps, deltaError);
        double meshSize = EpsilonError / Math.Sqrt(totalSteps * Math.Log(12 / deltaError) / 2);
        double gridPoints = 2 * halfWidth / meshSize;
        if (gridPoints > MaxDomainSize)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"The PRV grid would need {gridPoints:E2} points (limit {MaxDomainSize}); use rdp or a larger error."));
        }

        PrvDomain domain = PrvDomain.CreateAligned(-halfWidth, halfWidth, meshSize);
        var discrete = new List<DiscretePrv>(entries.Count);
        foreach (PrivacyHistoryEntry entry in entries)
        {
            var prv = new PoissonSubsampledGaussianPrv(entry.SampleRate, entry.NoiseMultiplier);
            discrete.Add(DiscretePrv.Discretize(new TruncatedPrv(prv, domain.TMin, domain.TMax), domain));
        }

        DiscretePrv composed = PrvComposition.ComposeHeterogeneous(discrete, [.. entries.Select(e => e.Steps)]);
        (double lower, double estimate, double upper) = composed.ComputeEpsilon(delta, deltaError, EpsilonError);
        return new PrvEpsilon(lower, estimate, upper);
    }

    // L such that truncating every PRV to [-L, L] moves delta by at most deltaError: the larger of the RDP epsilon
    // of the whole history at deltaError / 4 and of each single step at deltaError / (8 * steps), plus a margin of
    // 3 (Gopi et al. remark 5.6, in the form of their reference code and Opacus).
    private double SafeDomainHalfWidth(List<PrivacyHistoryEntry> entries, long totalSteps, double deltaError)
    {
        var whole = new RdpAccountant();
        foreach (PrivacyHistoryEntry entry in entries)
        {
            whole.Step(entry.NoiseMultiplier, entry.SampleRate, entry.Steps);
        }

        double halfWidth = whole.GetEpsilon(deltaError / 4);
        foreach (PrivacyHistoryEntry entry in entries)
        {
            var single = new RdpAccountant();
            single.Step(entry.NoiseMultiplier, entry.SampleRate);
            halfWidth = Math.Max(halfWidth, single.GetEpsilon(deltaError / (8 * totalSteps)));
        }

        return Math.Max(halfWidth, EpsilonError) + 3;
    }
}
