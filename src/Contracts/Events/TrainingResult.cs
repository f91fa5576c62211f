namespace FineTune.Contracts.Events;

/// <summary>The outcome of a run, written as <c>result.json</c>.</summary>
public sealed record TrainingResult
{
    /// <summary>Whether the run reached its planned end.</summary>
    public required bool Completed { get; init; }

    /// <summary>Why the run stopped (written as max_steps, cancelled or privacy_budget).</summary>
    public required StopReason StopReason { get; init; }

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

    /// <summary>The empirical privacy audit's result; null when no audit ran (or the run was cancelled).</summary>
    public AuditReport? Audit { get; init; }
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
/// <param name="SeedSource">
/// Where the sampling and noise seeds came from: <see cref="OsCsprngSeedSource"/> (production) or
/// <see cref="FixedSeedSource"/> (a seed given for tests or replays).
/// </param>
/// <param name="Seed">
/// The fixed seed when <paramref name="SeedSource"/> is <see cref="FixedSeedSource"/>, otherwise null. Seeds drawn from
/// the OS CSPRNG are never reported: with them anyone could regenerate the batches and the noise and subtract it,
/// undoing the privacy the run paid for. Only a checkpoint (worker-internal, never served) keeps them, to resume.
/// </param>
/// <param name="TargetEpsilon">The budget, if one was set.</param>
public sealed record PrivacyReport(double Epsilon, double Delta, double NoiseMultiplier, double SampleRate, long Steps, string Accountant, double MaxGradNorm, string Unit, int Units, string SeedSource, long? Seed, double? TargetEpsilon)
{
    /// <summary>The seeds were drawn from the operating system's CSPRNG and stay secret.</summary>
    public const string OsCsprngSeedSource = "os_csprng";

    /// <summary>The seeds derive from a seed the caller fixed (tests, replays), which is echoed.</summary>
    public const string FixedSeedSource = "fixed";
}

/// <summary>
/// What the empirical audit measured (docs/privacy.md): of <paramref name="Canaries"/> canaries, the membership of
/// <paramref name="Guesses"/> was guessed from their loss drop and <paramref name="Correct"/> guesses were right, which
/// rules out every ε below <paramref name="EpsilonLowerBound"/> at <paramref name="Confidence"/>. The guess count is
/// the best of <paramref name="GuessCountsTried"/>, each tested at (1 - confidence) / their number (Bonferroni), so the
/// confidence holds for the bound reported. Neither the canaries nor which of them were trained on are reported.
/// </summary>
/// <param name="Canaries">Canaries drawn (m), trained on or not by a secret fair coin each.</param>
/// <param name="CanaryLength">Tokens per canary.</param>
/// <param name="Guesses">Canaries guessed (k = k+ + k-); the rest were abstained on.</param>
/// <param name="Correct">Right guesses among them.</param>
/// <param name="EpsilonLowerBound">The largest ε ruled out; 0 when the guesses are no better than chance.</param>
/// <param name="Confidence">0.95.</param>
/// <param name="GuessCountsTried">The fixed set of k the bound is the best over.</param>
public sealed record AuditReport(int Canaries, int CanaryLength, int Guesses, int Correct, double EpsilonLowerBound, double Confidence, IReadOnlyList<int> GuessCountsTried)
{
    /// <summary>How each canary is scored: its loss under the initial model minus its loss under the trained one.</summary>
    public string Score => "loss_drop";
}
