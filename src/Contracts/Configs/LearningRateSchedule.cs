namespace FineTune.Contracts.Configs;

/// <summary>
/// Learning rate per optimizer step: linear warmup, then constant, linear decay to 0, or half-cosine to 0 (the
/// Hugging Face schedules). Warmup counts from step 1, so the first update already moves (lr·1/warmup), unlike
/// Hugging Face's, whose first update uses lr 0.
/// </summary>
public static class LearningRateSchedule
{
    /// <summary>Accepted schedule names.</summary>
    public static readonly IReadOnlyList<string> Names = ["constant", "linear", "cosine"];

    /// <summary>The rate for 1-based <paramref name="step"/> of <paramref name="totalSteps"/>.</summary>
    public static double At(string schedule, double peak, long step, long totalSteps, long warmupSteps)
    {
        if (warmupSteps > 0 && step <= warmupSteps)
        {
            return peak * step / warmupSteps;
        }
        // Progress counts completed post-warmup steps, so the first post-warmup update runs at the peak and the last above 0.
        double progress = totalSteps <= warmupSteps ? 1 : (double)(step - warmupSteps - 1) / (totalSteps - warmupSteps);
        progress = Math.Clamp(progress, 0, 1);
        return schedule switch
        {
            "constant" => peak,
            "linear" => peak * (1 - progress),
            "cosine" => peak * 0.5 * (1 + Math.Cos(Math.PI * progress)),
            _ => throw new ArgumentException($"unknown learning-rate schedule '{schedule}'; use {string.Join(", ", Names)}", nameof(schedule)),
        };
    }
}
