namespace FineTune.Privacy;

/// <summary>
/// Epsilon from the PRV accountant with its numerical error bars. <see cref="Upper"/> is the guarantee to
/// report; the true epsilon of the composed mechanism lies between <see cref="Lower"/> and <see cref="Upper"/>.
/// </summary>
/// <param name="Lower">Lower bound: the estimate at delta + deltaError, minus epsilonError.</param>
/// <param name="Estimate">Point estimate at delta.</param>
/// <param name="Upper">Upper bound: the estimate at delta - deltaError, plus epsilonError.</param>
public readonly record struct PrvEpsilon(double Lower, double Estimate, double Upper);
