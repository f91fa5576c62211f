using System.Globalization;

namespace FineTune.Text.Data;

/// <summary>Checks that need the tokenizer's output, which the trainer computes after reading the dataset.</summary>
public static class DatasetChecks
{
    /// <summary>
    /// Throws when every example would be truncated away: an example keeps something to learn only if its first
    /// trained token (the first assistant token, or the first token of a text example) falls within the maximum
    /// sequence length.
    /// </summary>
    /// <param name="promptTokenCounts">Per example, the number of tokens before its first trained token (0 for text).</param>
    /// <param name="maxSequenceLength">The length examples are truncated to, in tokens.</param>
    /// <returns>How many examples keep at least one trained token.</returns>
    /// <exception cref="DatasetValidationException">There are no examples, or none keeps a trained token.</exception>
    public static int RequireSomeFit(IReadOnlyList<int> promptTokenCounts, int maxSequenceLength)
    {
        ArgumentNullException.ThrowIfNull(promptTokenCounts);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(maxSequenceLength);
        if (promptTokenCounts.Count == 0)
        {
            throw new DatasetValidationException("The dataset has no examples to train on.");
        }

        int fitting = promptTokenCounts.Count(count => count < maxSequenceLength);
        if (fitting == 0)
        {
            throw new DatasetValidationException(string.Create(
                CultureInfo.InvariantCulture,
                $"Every example is truncated away: with a maximum sequence length of {maxSequenceLength} tokens, "
                + $"none of the {promptTokenCounts.Count} examples keeps a token to train on "
                + $"(the shortest prompt has {promptTokenCounts.Min()} tokens). "
                + $"Raise the maximum sequence length or shorten the prompts."));
        }

        return fitting;
    }
}
