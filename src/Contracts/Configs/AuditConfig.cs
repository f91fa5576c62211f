namespace FineTune.Contracts.Configs;

/// <summary>
/// The empirical privacy audit of a run (Steinke, Nasr and Jagielski 2023, "Privacy auditing with one (1) training
/// run"): <see cref="Canaries"/> random token sequences, each trained on or not by a secret fair coin, then guessed
/// from their losses; the share of right guesses gives an ε lower bound at 95% confidence. It runs with or without
/// DP (null on <see cref="TrainingConfig.Audit"/> means no audit). docs/privacy.md has the method.
/// </summary>
public sealed record AuditConfig
{
    /// <summary>The canary count a bare <c>"audit": true</c> (or <c>--audit</c>) asks for.</summary>
    public const int DefaultCanaries = 1000;

    /// <summary>Canaries drawn (m); about half are trained on. More canaries allow a larger bound.</summary>
    public int Canaries { get; init; } = DefaultCanaries;

    /// <summary>Tokens in each canary (random ids from the model's vocabulary).</summary>
    public int CanaryLength { get; init; } = 16;

    /// <summary>Throws ArgumentException naming the first invalid setting.</summary>
    public void Validate()
    {
        // Two canaries is the least that can be ranked; a guess needs at least one on each side.
        ArgumentOutOfRangeException.ThrowIfLessThan(Canaries, 2, nameof(Canaries));
        // One token is never predicted, so a canary needs two to have a loss.
        ArgumentOutOfRangeException.ThrowIfLessThan(CanaryLength, 2, nameof(CanaryLength));
    }
}
