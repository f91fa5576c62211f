namespace FineTune.Privacy;

/// <summary>
/// The history shared by the accountants: a list of <see cref="PrivacyHistoryEntry"/> where a step identical to
/// the last entry (same noise multiplier and sample rate) extends it instead of adding a new entry.
/// </summary>
internal sealed class StepHistory
{
    private readonly List<PrivacyHistoryEntry> _entries = [];

    /// <summary>Entries, oldest first.</summary>
    public IReadOnlyList<PrivacyHistoryEntry> Entries => _entries;

    /// <summary>Sum of the steps over all entries.</summary>
    public long TotalSteps { get; private set; }

    /// <summary>Validates and records <paramref name="steps"/> steps.</summary>
    /// <returns>True when a new entry was appended, false when the last one was extended (or steps was 0).</returns>
    public bool Add(double noiseMultiplier, double sampleRate, int steps)
    {
        PrivacyArguments.NoiseMultiplier(noiseMultiplier);
        PrivacyArguments.SampleRate(sampleRate);
        PrivacyArguments.Steps(steps);
        if (steps == 0)
        {
            return false;
        }

        if (_entries.Count > 0)
        {
            PrivacyHistoryEntry last = _entries[^1];
            if (last.NoiseMultiplier == noiseMultiplier && last.SampleRate == sampleRate)
            {
                _entries[^1] = last with { Steps = checked(last.Steps + steps) };
                TotalSteps += steps;
                return false;
            }
        }

        _entries.Add(new PrivacyHistoryEntry(noiseMultiplier, sampleRate, steps));
        TotalSteps += steps;
        return true;
    }
}
