using System.Text.Json.Nodes;

namespace FineTune.Api.Contracts;

/// <summary>Differential-privacy (DP-SGD) settings of a job and what it has spent.</summary>
/// <param name="TargetEpsilon">The ε budget; training stops before passing it. Null when σ is fixed instead.</param>
/// <param name="Delta">δ: a number, or <c>"auto"</c> (1/n^1.2 for n records or entities) until the run resolves it.</param>
/// <param name="MaxGradNorm">Per-sample clipping norm C.</param>
/// <param name="NoiseMultiplier">σ; null until calibrated to the target ε when the run starts.</param>
/// <param name="Accountant">rdp or prv.</param>
/// <param name="ExpectedBatchSize">Expected Poisson batch size (records or entities per step).</param>
/// <param name="Unit">The protected unit: <c>record</c>, or <c>entity</c> with an entity column.</param>
/// <param name="EpsilonSpent">ε spent so far at δ; null before the first noised step.</param>
public sealed record PrivacyDto(
    double? TargetEpsilon,
    JsonNode Delta,
    double MaxGradNorm,
    double? NoiseMultiplier,
    string Accountant,
    int ExpectedBatchSize,
    string Unit,
    double? EpsilonSpent);
