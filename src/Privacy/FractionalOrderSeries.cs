namespace FineTune.Privacy;

/// <summary>
/// How <see cref="Rdp"/> sums the series for log A_alpha at a fractional order alpha (Mironov, Talwar and Zhang
/// 2019, "Renyi Differential Privacy of the Sampled Gaussian Mechanism", section 3.3). Integer orders use a finite
/// sum of positive terms and are identical under both choices.
/// </summary>
public enum FractionalOrderSeries
{
    /// <summary>
    /// The series as derived, with binomial coefficients of alternating sign, stopped once both new terms fall
    /// below e^-30. This is Opacus's computation and matches direct numerical integration of A_alpha; it is the
    /// default and the one the published Opacus figures depend on.
    /// </summary>
    Signed = 0,

    /// <summary>
    /// Every term added with its absolute value, stopped once both terms are decreasing and smaller than the
    /// running total by a factor e^30 (at most 1000 terms, otherwise +infinity). This is Google's
    /// <c>dp_accounting</c> (used by TensorFlow Privacy): an upper bound on A_alpha, up to a few percent above it
    /// at small orders, so epsilon comes out slightly larger.
    /// </summary>
    AbsoluteBound = 1,
}
