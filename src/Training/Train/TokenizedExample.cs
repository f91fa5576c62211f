namespace FineTune.Training.Train;

/// <summary>One training example after chat templating and tokenization.</summary>
/// <param name="InputIds">Token ids.</param>
/// <param name="LossMask">True where the token is a training target (assistant/completion tokens by default).</param>
public sealed record TokenizedExample(int[] InputIds, bool[] LossMask)
{
    /// <summary>The entity (person, account, …) the example is about, for entity-level DP; null when unknown.</summary>
    public string? EntityKey { get; init; }

    /// <summary>
    /// A privacy audit's canary: trained on like any record, but never counted in the user's figures (tokens, records,
    /// steps planned) nor written anywhere.
    /// </summary>
    public bool IsCanary { get; init; }

    /// <summary>Number of target tokens.</summary>
    public int TargetCount => LossMask.Count(m => m);
}
