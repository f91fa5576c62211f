namespace FineTune.Privacy;

/// <summary>
/// Stateful RDP accountant: the step history plus the RDP summed over it, kept incrementally so that
/// <see cref="GetEpsilon"/> costs one pass over the orders however long training runs. The math lives in
/// <see cref="Rdp"/>.
/// </summary>
/// <remarks>
/// The sum is accumulated entry by entry in history order, each entry contributing its per-step RDP times its
/// step count, which is the same arithmetic as Opacus's <c>RDPAccountant</c>.
/// </remarks>
public sealed class RdpAccountant : IPrivacyAccountant
{
    // Per-step RDP vectors are cached by (noise multiplier, sample rate); the cache is cleared when it grows past
    // this many entries, which only a schedule that changes the noise every step would reach.
    private const int MaxCachedParameterSets = 16;

    private readonly double[] _orders;
    private readonly FractionalOrderSeries _series;
    private readonly StepHistory _history = new();
    private readonly Dictionary<(double NoiseMultiplier, double SampleRate), double[]> _perStepRdp = [];

    // Sum of the RDP of every history entry except the last; the last is added at query time.
    private readonly double[] _rdpBeforeLastEntry;

    /// <summary>Creates an accountant over Opacus's default orders (<see cref="Rdp.DefaultOrders"/>).</summary>
    public RdpAccountant()
        : this(Rdp.DefaultOrders)
    {
    }

    /// <summary>Creates an accountant over the given RDP orders.</summary>
    /// <param name="orders">RDP orders, each &gt; 1.</param>
    /// <param name="series">How fractional orders sum their series; Opacus's choice by default.</param>
    public RdpAccountant(IReadOnlyList<double> orders, FractionalOrderSeries series = FractionalOrderSeries.Signed)
    {
        ArgumentNullException.ThrowIfNull(orders);
        _orders = [.. orders];
        _series = series;
        Rdp.ValidateOrders(_orders, nameof(orders));
        _rdpBeforeLastEntry = new double[_orders.Length];
    }

    /// <inheritdoc />
    public string Mechanism => PrivacyAccountants.RdpMechanism;

    /// <inheritdoc />
    public IReadOnlyList<PrivacyHistoryEntry> History => _history.Entries;

    /// <summary>The RDP orders this accountant optimises over.</summary>
    public IReadOnlyList<double> Orders => _orders;

    /// <inheritdoc />
    public void Step(double noiseMultiplier, double sampleRate) => Step(noiseMultiplier, sampleRate, 1);

    /// <inheritdoc />
    public void Step(double noiseMultiplier, double sampleRate, int steps)
    {
        PrivacyHistoryEntry? previousLast = _history.Entries.Count > 0 ? _history.Entries[^1] : null;
        if (!_history.Add(noiseMultiplier, sampleRate, steps) || previousLast is not { } closed)
        {
            return;
        }

        // A new entry opened, so the previous last entry is final: fold it into the running sum.
        double[] perStep = GetPerStepRdp(closed.NoiseMultiplier, closed.SampleRate);
        for (int k = 0; k < _orders.Length; k++)
        {
            _rdpBeforeLastEntry[k] += perStep[k] * closed.Steps;
        }
    }

    /// <inheritdoc />
    public double GetEpsilon(double delta) => GetPrivacySpent(delta).Epsilon;

    /// <summary>Epsilon spent so far at <paramref name="delta"/> and the RDP order that attains it.</summary>
    /// <param name="delta">Target delta, in (0, 1).</param>
    /// <returns>(0, NaN) when nothing has been charged.</returns>
    public (double Epsilon, double Order) GetPrivacySpent(double delta)
    {
        PrivacyArguments.Delta(delta);
        if (_history.Entries.Count == 0)
        {
            return (0.0, double.NaN);
        }

        PrivacyHistoryEntry last = _history.Entries[^1];
        double[] perStep = GetPerStepRdp(last.NoiseMultiplier, last.SampleRate);
        var total = new double[_orders.Length];
        for (int k = 0; k < total.Length; k++)
        {
            total[k] = _rdpBeforeLastEntry[k] + perStep[k] * last.Steps;
        }

        return Rdp.GetPrivacySpent(_orders, total, delta);
    }

    private double[] GetPerStepRdp(double noiseMultiplier, double sampleRate)
    {
        if (_perStepRdp.TryGetValue((noiseMultiplier, sampleRate), out double[]? cached))
        {
            return cached;
        }

        if (_perStepRdp.Count >= MaxCachedParameterSets)
        {
            _perStepRdp.Clear();
        }

        double[] perStep = Rdp.ComputeRdp(sampleRate, noiseMultiplier, 1, _orders, _series);
        _perStepRdp[(noiseMultiplier, sampleRate)] = perStep;
        return perStep;
    }
}
