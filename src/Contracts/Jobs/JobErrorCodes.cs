namespace FineTune.Contracts.Jobs;

/// <summary>
/// The stable codes of a failed job's <c>error.code</c>, and the one rule that reads a code from the reason a worker
/// stored: the worker words an out-of-memory failure with <see cref="OutOfMemoryPrefix"/> and the API recognises it
/// here, so the wording and the code cannot drift apart.
/// </summary>
public static class JobErrorCodes
{
    /// <summary>Any failure that is not one of the more specific codes.</summary>
    public const string TrainingFailed = "training_failed";

    /// <summary>The device ran out of memory (transient: another worker, or a smaller batch, may fit).</summary>
    public const string OutOfMemory = "out_of_memory";

    /// <summary>The text every out-of-memory reason starts with, so users and dashboards can match it.</summary>
    public const string OutOfMemoryPrefix = "out of memory";

    /// <summary>
    /// The code of a plain-text reason: <see cref="OutOfMemory"/> when it mentions running out of memory (anywhere, in
    /// any case: a reason stored by an older worker may quote libtorch's "CUDA out of memory"), else
    /// <see cref="TrainingFailed"/>.
    /// </summary>
    public static string FromReason(string reason)
    {
        ArgumentNullException.ThrowIfNull(reason);
        return reason.Contains(OutOfMemoryPrefix, StringComparison.OrdinalIgnoreCase) ? OutOfMemory : TrainingFailed;
    }
}
