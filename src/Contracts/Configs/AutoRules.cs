namespace FineTune.Contracts.Configs;

/// <summary>
/// The rules for <c>auto</c> hyperparameters that need no device, shared by the API (to show and convert them) and the
/// trainer (FineTune.Training's <c>AutoDefaults</c>, which adds the micro-batch from device memory).
/// </summary>
public static class AutoRules
{
    /// <summary>LoRA learning rate for a base model of this many parameters.</summary>
    public static double LearningRateFor(long parameters)
    {
        double rate = 2e-4 * Math.Sqrt(7e9 / Math.Max(1, parameters));
        return Math.Round(Math.Clamp(rate, 5e-5, 2e-2), 7);
    }

    /// <summary>Epochs for a training set of <paramref name="examples"/> examples (OpenAI's rule).</summary>
    public static int EpochsFor(int examples)
    {
        const int target = 3, minExamplesSeen = 100, maxExamplesSeen = 25_000, maxEpochs = 25;
        int n = Math.Max(1, examples);
        if ((long)n * target < minExamplesSeen)
        {
            return Math.Min(maxEpochs, (minExamplesSeen + n - 1) / n);
        }
        if ((long)n * target > maxExamplesSeen)
        {
            return Math.Max(1, maxExamplesSeen / n);
        }
        return target;
    }
}
