namespace FineTune.Contracts.Events;

/// <summary>What one optimizer step measured.</summary>
/// <param name="Step">1-based step number.</param>
/// <param name="TotalSteps">Planned steps.</param>
/// <param name="Loss">Mean cross entropy per target token of this step's batch.</param>
/// <param name="LearningRate">Rate used for this update.</param>
/// <param name="GradNorm">
/// Global gradient norm before clipping; under DP the mean per-sample gradient norm before clipping to C. NaN when
/// nothing was sampled (an empty Poisson batch).
/// </param>
/// <param name="Tokens">Real tokens processed this step.</param>
/// <param name="TokensSeen">Real tokens processed since the run began.</param>
/// <param name="ElapsedSeconds">Wall time since the run began.</param>
/// <param name="MicroBatchSize">Rows per forward pass (smaller after an out-of-memory retry).</param>
/// <param name="Epsilon">Privacy spent after this step (DP runs), at the run's δ; null without DP.</param>
/// <param name="ClippedFraction">
/// DP runs: the share of this step's samples whose gradient norm exceeded C, NaN when nothing was sampled; null
/// without DP.
/// </param>
public sealed record StepReport(long Step, long TotalSteps, double Loss, double LearningRate, double GradNorm, long Tokens, long TokensSeen, double ElapsedSeconds, int MicroBatchSize, double? Epsilon = null, double? ClippedFraction = null)
{
    /// <summary>The run's peak learning rate (what an <c>auto</c> learning rate resolved to); null when not reported.</summary>
    public double? PeakLearningRate { get; init; }

    /// <summary>The run's epochs (what an <c>auto</c> n_epochs resolved to); null when the run counts steps.</summary>
    public double? Epochs { get; init; }
}

/// <summary>Mean validation loss at a step.</summary>
/// <param name="Step">The step after which evaluation ran.</param>
/// <param name="Loss">Mean cross entropy per target token of the validation split.</param>
public sealed record EvalReport(long Step, double Loss);
