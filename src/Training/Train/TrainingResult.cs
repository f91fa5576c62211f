namespace FineTune.Training.Train;

/// <summary>The outcome of a run, written as <c>result.json</c>.</summary>
public sealed record TrainingResult
{
    /// <summary>Whether the run reached its planned end.</summary>
    public required bool Completed { get; init; }

    /// <summary>max_steps, cancelled (or privacy_budget under DP).</summary>
    public required string StopReason { get; init; }

    /// <summary>Optimizer steps taken.</summary>
    public required long Steps { get; init; }

    /// <summary>Loss of the last step.</summary>
    public required double FinalLoss { get; init; }

    /// <summary>Loss of every step.</summary>
    public required IReadOnlyList<double> LossHistory { get; init; }

    /// <summary>Validation losses.</summary>
    public required IReadOnlyList<EvalReport> EvalLosses { get; init; }

    /// <summary>Real tokens processed.</summary>
    public required long TokensSeen { get; init; }

    /// <summary>Wall time of training (resumed runs include the time before the checkpoint).</summary>
    public required double ElapsedSeconds { get; init; }

    /// <summary>TokensSeen / ElapsedSeconds.</summary>
    public double TokensPerSecond => ElapsedSeconds > 0 ? TokensSeen / ElapsedSeconds : 0;

    /// <summary>Trainable (LoRA) parameters.</summary>
    public required long TrainableParameters { get; init; }
}
