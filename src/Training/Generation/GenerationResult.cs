namespace FineTune.Training.Generation;

/// <summary>Generated token ids (without the prompt) and measured speed.</summary>
/// <param name="TokenIds">The continuation's ids, including a final stop token if one was produced.</param>
/// <param name="StoppedAtEos">Whether a stop token ended generation.</param>
/// <param name="Seconds">Wall time of the generation loop (prefill included).</param>
public sealed record GenerationResult(IReadOnlyList<int> TokenIds, bool StoppedAtEos, double Seconds)
{
    /// <summary>Generated tokens per second of wall time.</summary>
    public double TokensPerSecond => Seconds > 0 ? TokenIds.Count / Seconds : 0;
}
