namespace FineTune.Training.Train;

/// <summary>One training example after chat templating and tokenization.</summary>
/// <param name="InputIds">Token ids.</param>
/// <param name="LossMask">True where the token is a training target (assistant/completion tokens by default).</param>
public sealed record TokenizedExample(int[] InputIds, bool[] LossMask)
{
    /// <summary>Number of target tokens.</summary>
    public int TargetCount => LossMask.Count(m => m);
}
