namespace FineTune.Contracts.Jobs;

/// <summary>The kinds of job the queue holds, as stored in <c>jobs.kind</c>: the API enqueues them, the worker runs them.</summary>
public static class JobKinds
{
    /// <summary>A LoRA (optionally DP) fine-tuning job from a <see cref="JobSpec"/> (stable; never renamed).</summary>
    public const string TrainLora = "train.lora";
}
