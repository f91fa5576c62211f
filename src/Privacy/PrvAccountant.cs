using System.Globalization;

namespace FineTune.Privacy;

/// <summary>
/// Privacy accountant by numerical composition of privacy loss random variables (PRVs; Gopi, Lee and Wutschitz
/// 2021, "Numerical Composition of Differential Privacy"), following Opacus's <c>PRVAccountant</c>. Tighter than
/// RDP, but each <see cref="GetEpsilon"/> discretises and FFT-composes the whole history, so it costs tenths of a
/// second to seconds rather than microseconds.
/// </summary>
/// <remarks>
/// A history whose every step has q = 1 is the plain Gaussian mechanism: its epsilon is solved exactly
/// (<see cref="GaussianMechanism"/>) and steps 1-5 are skipped.
/// Per query: 1) the error bar: the one given, or 0.01 / 0.1% of epsilon (whichever is larger) widened until the
/// grid fits <see cref="PointBudget"/> points; the mesh is eps_error / sqrt(steps log(12 / deltaError) / 2) as in
/// Opacus; 2) discretise each distinct step within the window that holds all but deltaError / (16 T) of each of
/// its tails, and correct its mean; 3) bound the sum's window by Chernoff on the steps' exact MGF (within Opacus's
/// [-L, L] from RDP); 4) compose from each step's tails (two FFTs per step, one where its lower tail is short),
/// spectra raised to their step counts in logarithms; 5) read epsilon off the composed mass function at delta,
/// with error bars eps_error and deltaError plus the FFT's measured rounding noise. The result is cached until the
/// next step.
/// </remarks>
public sealed class PrvAccountant : IPrivacyAccountant
{
    /// <summary>Smallest default accuracy target for epsilon (Opacus's fixed <c>eps_error</c>).</summary>
    public const double DefaultAbsoluteEpsilonError = 0.01;

    /// <summary>The default accuracy target as a fraction of epsilon, where that exceeds 0.01.</summary>
    public const double RelativeEpsilonError = 0.001;

    // Refuse grids beyond this many points: the FFT would need several GiB.
    private const int MaxDomainSize = 1 << 26;

    // With the default error bar, grids stay within this many points (an FFT of 2^21 takes tenths of a second on
    // one core): where 0.1% of epsilon would need more, the error bar widens instead.
    private const long PointBudget = 1 << 21;

    // How much coarser the probe's mesh is than the one it sizes.
    private const int ProbeCoarsening = 16;

    // Factor on the probe's estimate of the grid's size when it sizes the error bar.
    private const double ProbeMargin = 1.01;

    private readonly StepHistory _history = new();
    private long _version;
    private (long Version, double Delta, PrvEpsilon Result)? _cached;

    /// <summary>Creates a PRV accountant.</summary>
    /// <param name="epsilonError">
    /// Accuracy target for epsilon, &gt; 0; null means 0.01 (Opacus's default) or 0.1% of the epsilon, whichever is
    /// larger.
    /// </param>
    /// <param name="deltaError">
    /// Accuracy target for delta, &gt; 0 and below the delta asked for; null means delta / 1000, as in Opacus.
    /// </param>
    public PrvAccountant(double? epsilonError = null, double? deltaError = null)
    {
        if (epsilonError is { } error)
        {
            PrivacyArguments.Positive(error, nameof(epsilonError));
        }

        if (deltaError is { } value)
        {
            PrivacyArguments.Delta(value, nameof(deltaError));
        }

        EpsilonError = epsilonError;
        DeltaError = deltaError;
    }

    /// <summary>Accuracy target for epsilon; null means the default (see the constructor).</summary>
    public double? EpsilonError { get; }

    /// <summary>Accuracy target for delta; null means delta / 1000 of each query.</summary>
    public double? DeltaError { get; }

    /// <summary>
    /// How many times coarser than the error bar asks the mesh is (1: exact to the bounds). A coarser mesh gives a
    /// cheap estimate of the same bounds, not a guarantee: noise calibration uses it only to choose where to run
    /// the accountant at full resolution.
    /// </summary>
    internal int MeshCoarsening { get; init; } = 1;

    /// <summary>
    /// Discretise every step and the sum on Opacus's whole window [-L, L] instead of cutting them where their tails
    /// hold at most the delta error (slower; the answer moves by a few 1e-6). Lets a test compare the algorithm with
    /// Opacus's to its rounding, apart from the windows (<c>PrvAccountantTests</c>).
    /// </summary>
    internal bool OpacusWindows { get; init; }

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

        if (entries.All(e => e.SampleRate == 1.0))
        {
            // Without subsampling every step is the Gaussian mechanism, whose composition has an exact closed form:
            // no grid, no error bars, and no FFT rounding (which reaches delta 1e-10 at T = 1e6).
            double exact = GaussianMechanism.Epsilon(GaussianMechanism.ComposedMu(entries), delta);
            return new PrvEpsilon(exact, exact, exact);
        }

        long totalSteps = entries.Sum(e => (long)e.Steps);
        double rdpHalfWidth = RdpHalfWidth(entries, totalSteps, deltaError);
        double epsilonError = EpsilonError ?? DefaultEpsilonError(entries, delta);
        if (EpsilonError is null)
        {
            // A probe on a mesh ProbeCoarsening times coarser sizes the grid for a fraction of the cost (points
            // scale as 1 / mesh), so a grid over budget is never discretised in full only to be thrown away.
            Grid probe = Discretise(entries, totalSteps, deltaError, rdpHalfWidth, epsilonError * ProbeCoarsening);
            double estimatedPoints = (double)probe.Points * ProbeCoarsening;
            if (estimatedPoints > PointBudget)
            {
                // 1% to spare: the probe's estimate runs a little short (its windows round out to a coarser mesh),
                // and a grid a hair over the budget would be discretised twice.
                epsilonError *= estimatedPoints / PointBudget * ProbeMargin;
            }
        }

        Grid grid = Discretise(entries, totalSteps, deltaError, rdpHalfWidth, epsilonError * MeshCoarsening);
        if (EpsilonError is null && MeshCoarsening == 1 && grid.Points > PointBudget)
        {
            // The default error bar widens until the grid fits the budget: the grid's size is inversely
            // proportional to it (the windows barely move), so one more pass lands within the budget.
            epsilonError *= (double)grid.Points / PointBudget * 1.01;
            grid = Discretise(entries, totalSteps, deltaError, rdpHalfWidth, epsilonError);
        }

        if (grid.Points > MaxDomainSize)
        {
            throw new InvalidOperationException(string.Create(
                CultureInfo.InvariantCulture,
                $"The PRV grid would need {grid.Points:E2} points (limit {MaxDomainSize}); use rdp or a larger epsilon error."));
        }

        int size = Math.Max(Fft.NextPowerOfTwo(grid.Points), 4);
        DiscretePrv composed = PrvComposition.Compose(grid.Steps, grid.WindowStart, size, grid.MeshSize);
        (double lower, double estimate, double upper) = composed.ComputeEpsilon(delta, deltaError, epsilonError);
        return new PrvEpsilon(lower, estimate, upper);
    }

    // Each step discretised on the mesh for epsilonError (Gopi et al.: eps_error / sqrt(T log(12 / deltaError) / 2))
    // within its own tail window, and the window of their sum.
    private Grid Discretise(
        List<PrivacyHistoryEntry> entries,
        long totalSteps,
        double deltaError,
        double rdpHalfWidth,
        double epsilonError)
    {
        double halfWidth = Math.Max(rdpHalfWidth, epsilonError) + 3;
        double meshSize = epsilonError / Math.Sqrt(totalSteps * Math.Log(12 / deltaError) / 2);

        // Truncating each step drops at most deltaError / (16 T) per tail (deltaError / 8 over the history), and
        // the sum's window lets at most deltaError / 4 wrap around: the delta error Opacus spends on its window.
        double tailMass = OpacusWindows ? 0.0 : deltaError / (16.0 * totalSteps);
        var steps = new List<DiscretizedStep>(entries.Count);
        foreach (PrivacyHistoryEntry entry in entries)
        {
            var prv = new PoissonSubsampledGaussianPrv(entry.SampleRate, entry.NoiseMultiplier);
            steps.Add(DiscretizedStep.Create(prv, entry.Steps, meshSize, tailMass, halfWidth));
        }

        // The sum's window: where Chernoff's bound leaves at most deltaError / 8 per tail, within Opacus's [-L, L].
        (double low, double high) = OpacusWindows ? (-halfWidth, halfWidth) : SumWindow.Find(steps, meshSize, deltaError / 8);
        (low, high) = (Math.Max(low, -halfWidth), Math.Min(high, halfWidth));
        double totalShift = steps.Sum(s => s.Steps * s.Shift);
        long windowStart = (long)Math.Floor((low - totalShift) / meshSize);
        long windowEnd = (long)Math.Ceiling((high - totalShift) / meshSize);
        long stepSpan = steps.Max(s => s.FirstIndex + s.Pmf.Length) - steps.Min(s => s.FirstIndex);
        return new Grid(steps, meshSize, windowStart, Math.Max(windowEnd - windowStart + 1, stepSpan));
    }

    // Opacus's fixed 0.01, or a thousandth of the epsilon where that is larger: the grid's size grows as
    // 1 / epsilonError, and for epsilon 73 an error bar of 0.01 costs 10^7 points where 0.073 costs 10^6 for a
    // bound that is 0.1% looser. RDP's epsilon stands in for PRV's here; it is at most a few times larger.
    private static double DefaultEpsilonError(List<PrivacyHistoryEntry> entries, double delta)
    {
        var rdp = new RdpAccountant();
        foreach (PrivacyHistoryEntry entry in entries)
        {
            rdp.Step(entry.NoiseMultiplier, entry.SampleRate, entry.Steps);
        }

        double epsilon = rdp.GetEpsilon(delta);
        return double.IsFinite(epsilon) ? Math.Max(DefaultAbsoluteEpsilonError, RelativeEpsilonError * epsilon) : DefaultAbsoluteEpsilonError;
    }

    // L such that truncating every PRV to [-L, L] moves delta by at most deltaError is this, or the epsilon error
    // where larger, plus a margin of 3 (Gopi et al. remark 5.6, in the form of their reference code and Opacus): the
    // larger of the RDP epsilon of the whole history at deltaError / 4 and of each single step at
    // deltaError / (8 * steps). Taken once per query: the probe and the grid (one or two) share it.
    private static double RdpHalfWidth(List<PrivacyHistoryEntry> entries, long totalSteps, double deltaError)
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

        return halfWidth;
    }

    // The discretised steps, the mesh, and the sum's window: Points grid points from grid index WindowStart on.
    private sealed record Grid(List<DiscretizedStep> Steps, double MeshSize, long WindowStart, long Points);
}
