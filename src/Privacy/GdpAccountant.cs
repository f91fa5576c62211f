namespace FineTune.Privacy;

/// <summary>
/// Gaussian DP accountant under Poisson sampling (<see cref="Gdp"/>), as Opacus's <c>GaussianAccountant</c>. The
/// central limit approximation only covers a homogeneous run, so the noise multiplier and sample rate must stay
/// constant; it is an estimate, not a guarantee.
/// </summary>
public sealed class GdpAccountant : IPrivacyAccountant
{
    private readonly StepHistory _history = new();

    /// <inheritdoc />
    public string Mechanism => PrivacyAccountants.GdpMechanism;

    /// <inheritdoc />
    public IReadOnlyList<PrivacyHistoryEntry> History => _history.Entries;

    /// <inheritdoc />
    public void Step(double noiseMultiplier, double sampleRate) => Step(noiseMultiplier, sampleRate, 1);

    /// <inheritdoc />
    /// <exception cref="InvalidOperationException">The noise multiplier or sample rate changed.</exception>
    public void Step(double noiseMultiplier, double sampleRate, int steps)
    {
        PrivacyArguments.NoiseMultiplier(noiseMultiplier);
        PrivacyArguments.SampleRate(sampleRate);
        PrivacyArguments.Steps(steps);
        if (_history.Entries.Count > 0 && steps > 0)
        {
            PrivacyHistoryEntry last = _history.Entries[^1];
            if (last.NoiseMultiplier != noiseMultiplier || last.SampleRate != sampleRate)
            {
                throw new InvalidOperationException(
                    "The GDP accountant needs a constant noise multiplier and sample rate; use rdp or prv.");
            }
        }

        _history.Add(noiseMultiplier, sampleRate, steps);
    }

    /// <inheritdoc />
    public double GetEpsilon(double delta)
    {
        PrivacyArguments.Delta(delta);
        if (_history.Entries.Count == 0)
        {
            return 0.0;
        }

        PrivacyHistoryEntry entry = _history.Entries[0];
        if (entry.SampleRate == 0.0)
        {
            return 0.0;
        }

        if (entry.NoiseMultiplier == 0.0)
        {
            return double.PositiveInfinity;
        }

        double mu = Gdp.ComputeMuPoisson(entry.SampleRate, entry.NoiseMultiplier, entry.Steps);
        return Gdp.EpsilonFromMu(mu, delta);
    }
}
