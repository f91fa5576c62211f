namespace FineTune.Training.Train;

/// <summary>The outcome of a run, written as <c>result.json</c>.</summary>
public sealed record TrainingResult
{
    /// <summary>Whether the run reached its planned end.</summary>
    public required bool Completed { get; init; }

    /// <summary>max_steps, cancelled (or privacy_budget under DP).</summary>
    public required string StopReason { get; init; }

    /// <summary>Optimizer steps taken.</summary>
    public required long Steps { get; init; }

    /// <summary>Loss of the last step.</summary>
    public required double FinalLoss { get; init; }

    /// <summary>Loss of every step.</summary>
    public required IReadOnlyList<double> LossHistory { get; init; }

    /// <summary>Validation losses.</summary>
    public required IReadOnlyList<EvalReport> EvalLosses { get; init; }

    /// <summary>Real tokens processed.</summary>
    public required long TokensSeen { get; init; }

    /// <summary>Wall time of training (resumed runs include the time before the checkpoint).</summary>
    public required double ElapsedSeconds { get; init; }

    /// <summary>TokensSeen / ElapsedSeconds.</summary>
    public double TokensPerSecond => ElapsedSeconds > 0 ? TokensSeen / ElapsedSeconds : 0;

    /// <summary>Trainable (LoRA) parameters.</summary>
    public required long TrainableParameters { get; init; }

    /// <summary>What the DP run spent and with which mechanism; null without DP.</summary>
    public PrivacyReport? Privacy { get; init; }
}

/// <summary>The privacy guarantee of a DP run: (ε, δ)-DP for the unit (record or entity) under the named accountant.</summary>
/// <param name="Epsilon">ε spent over all noised steps.</param>
/// <param name="Delta">δ.</param>
/// <param name="NoiseMultiplier">σ.</param>
/// <param name="SampleRate">Poisson sampling rate q.</param>
/// <param name="Steps">Noised steps charged.</param>
/// <param name="Accountant">rdp or prv.</param>
/// <param name="MaxGradNorm">Per-sample clipping norm C.</param>
/// <param name="Unit">record or entity.</param>
/// <param name="Units">Number of records or entities (n).</param>
/// <param name="NoiseSeed">Seed of the noise generator (drawn from the OS CSPRNG unless fixed).</param>
/// <param name="SamplerSeed">Seed of Poisson sampling.</param>
/// <param name="TargetEpsilon">The budget, if one was set.</param>
public sealed record PrivacyReport(double Epsilon, double Delta, double NoiseMultiplier, double SampleRate, long Steps, string Accountant, double MaxGradNorm, string Unit, int Units, long NoiseSeed, long SamplerSeed, double? TargetEpsilon);
