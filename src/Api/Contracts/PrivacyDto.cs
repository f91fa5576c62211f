using System.Text.Json.Nodes;

namespace FineTune.Api.Contracts;

/// <summary>
/// Differential-privacy (DP-SGD) settings of a job and what it has spent, and its empirical privacy audit. A job with
/// only an audit (<c>"privacy": {"audit": true}</c>) trains without DP: <see cref="DifferentialPrivacy"/> is false and
/// the DP fields are null.
/// </summary>
/// <param name="TargetEpsilon">The ε budget; training stops before passing it. Null when σ is fixed instead.</param>
/// <param name="Delta">δ: a number, or <c>"auto"</c> (1/n^1.2 for n records or entities) until the run resolves it.</param>
/// <param name="MaxGradNorm">Per-sample clipping norm C.</param>
/// <param name="NoiseMultiplier">σ; null until calibrated to the target ε when the run starts.</param>
/// <param name="Accountant">rdp or prv.</param>
/// <param name="ExpectedBatchSize">Expected Poisson batch size (records or entities per step).</param>
/// <param name="Unit">The protected unit: <c>record</c>, or <c>entity</c> with an entity column.</param>
/// <param name="EpsilonSpent">ε spent so far at δ; null before the first noised step.</param>
/// <param name="DifferentialPrivacy">Whether the job trains with DP-SGD.</param>
/// <param name="Audit">The empirical audit, or null when none was asked for.</param>
public sealed record PrivacyDto(
    double? TargetEpsilon,
    JsonNode? Delta,
    double? MaxGradNorm,
    double? NoiseMultiplier,
    string? Accountant,
    int? ExpectedBatchSize,
    string? Unit,
    double? EpsilonSpent,
    bool DifferentialPrivacy = true,
    AuditDto? Audit = null);

/// <summary>
/// The empirical privacy audit of a job (docs/privacy.md): its canaries, and once the job succeeded, the membership
/// guesses and the ε lower bound they prove at <see cref="Confidence"/>, to set beside the accountant's ε.
/// </summary>
/// <param name="Canaries">Canaries drawn (m).</param>
/// <param name="CanaryLength">Tokens per canary.</param>
/// <param name="Guesses">Membership guesses made (k); null until the job succeeds.</param>
/// <param name="Correct">Right guesses; null until the job succeeds.</param>
/// <param name="EpsilonLowerBound">ε ruled out at <see cref="Confidence"/>; null until the job succeeds.</param>
/// <param name="Confidence">0.95 once measured; null until the job succeeds.</param>
public sealed record AuditDto(int Canaries, int CanaryLength, int? Guesses, int? Correct, double? EpsilonLowerBound, double? Confidence);
