namespace FineTune.Privacy;

/// <summary>
/// Tracks the privacy spent by noised DP-SGD steps and reports epsilon at a given delta. Only the optimizer's
/// post-noise callback advances an accountant, so each logical step is charged exactly once. Implementations are
/// not thread-safe: the training thread owns its accountant.
/// </summary>
public interface IPrivacyAccountant
{
    /// <summary>Stable mechanism name: <c>"rdp"</c>, <c>"prv"</c> or <c>"gdp"</c>.</summary>
    public string Mechanism { get; }

    /// <summary>Steps charged so far, consecutive identical steps merged into one entry, oldest first.</summary>
    public IReadOnlyList<PrivacyHistoryEntry> History { get; }

    /// <summary>Charges one step of the Poisson-subsampled Gaussian mechanism.</summary>
    /// <param name="noiseMultiplier">Noise standard deviation divided by the clipping norm (&gt;= 0).</param>
    /// <param name="sampleRate">Poisson sampling rate of the step, in [0, 1].</param>
    public void Step(double noiseMultiplier, double sampleRate) => Step(noiseMultiplier, sampleRate, 1);

    /// <summary>
    /// Charges <paramref name="steps"/> identical steps at once, e.g. to restore a history from a checkpoint.
    /// </summary>
    /// <param name="noiseMultiplier">Noise standard deviation divided by the clipping norm (&gt;= 0).</param>
    /// <param name="sampleRate">Poisson sampling rate of each step, in [0, 1].</param>
    /// <param name="steps">Number of steps (&gt;= 0; 0 changes nothing).</param>
    public void Step(double noiseMultiplier, double sampleRate, int steps);

    /// <summary>Epsilon spent so far at the given delta; 0 when nothing has been charged.</summary>
    /// <param name="delta">Target delta, in (0, 1).</param>
    public double GetEpsilon(double delta);
}
