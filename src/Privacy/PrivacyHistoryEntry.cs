namespace FineTune.Privacy;

/// <summary>
/// A run of identical noised steps charged to an accountant: Poisson sampling rate, noise multiplier and how
/// many consecutive steps used them.
/// </summary>
/// <param name="NoiseMultiplier">Noise standard deviation divided by the clipping norm.</param>
/// <param name="SampleRate">Poisson sampling rate of each step, in [0, 1].</param>
/// <param name="Steps">Number of consecutive steps with these parameters.</param>
public readonly record struct PrivacyHistoryEntry(double NoiseMultiplier, double SampleRate, int Steps);
