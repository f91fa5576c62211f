namespace FineTune.Contracts.Configs;

/// <summary>
/// DP-SGD settings of a run (null on <see cref="TrainingConfig.Privacy"/> means no differential privacy). Give a
/// target ε (σ is then calibrated for the planned steps), a noise multiplier σ (the run then stops before ε would
/// pass the target, if one is given), or both.
/// </summary>
public sealed record PrivacyConfig
{
    /// <summary>ε to reach at most (null: no budget, σ must be given).</summary>
    public double? TargetEpsilon { get; init; }

    /// <summary>δ; null means auto = 1/n^1.2 for n records or entities (below 1/n, as DP requires).</summary>
    public double? Delta { get; init; }

    /// <summary>Per-sample clipping norm C (1.0, opacus's common default for fine-tuning).</summary>
    public double MaxGradNorm { get; init; } = 1.0;

    /// <summary>σ; null means calibrate it to <see cref="TargetEpsilon"/>.</summary>
    public double? NoiseMultiplier { get; init; }

    /// <summary>rdp (Opacus's default) or prv (tighter, slower).</summary>
    public string Accountant { get; init; } = "rdp";

    /// <summary>Expected logical batch size qN of Poisson sampling (records or entities per step).</summary>
    public int ExpectedBatchSize { get; init; } = 16;

    /// <summary>Fixed seed for sampling and noise (tests); null draws both from the OS CSPRNG.</summary>
    public long? Seed { get; init; }

    /// <summary>Entity-level DP: an entity (examples sharing an entity key) is the unit that is sampled and clipped.</summary>
    public bool EntityLevel { get; init; }

    /// <summary>Throws ArgumentException naming the first invalid setting.</summary>
    public void Validate()
    {
        if (TargetEpsilon is null && NoiseMultiplier is null)
        {
            throw new ArgumentException("differential privacy needs a target epsilon or a noise multiplier", nameof(TargetEpsilon));
        }
        if (TargetEpsilon is <= 0)
        {
            throw new ArgumentOutOfRangeException(nameof(TargetEpsilon), TargetEpsilon, "target epsilon must be positive");
        }
        if (Delta is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(Delta), Delta, "delta must be in (0, 1)");
        }
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxGradNorm, nameof(MaxGradNorm));
        if (NoiseMultiplier is < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(NoiseMultiplier), NoiseMultiplier, "noise multiplier must be >= 0");
        }
        if (Accountant is not ("rdp" or "prv"))
        {
            throw new ArgumentException($"unknown accountant '{Accountant}'; use rdp or prv", nameof(Accountant));
        }
        ArgumentOutOfRangeException.ThrowIfLessThan(ExpectedBatchSize, 1, nameof(ExpectedBatchSize));
    }
}
