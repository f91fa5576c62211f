namespace FineTune.Api.Contracts;

/// <summary>How far training has come.</summary>
/// <param name="Step">Optimizer steps done.</param>
/// <param name="TotalSteps">Planned steps (known once training has started).</param>
/// <param name="Percent">Step / total steps in percent, 0 to 100.</param>
public sealed record ProgressDto(long Step, long? TotalSteps, double? Percent);
