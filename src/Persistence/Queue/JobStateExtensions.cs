namespace FineTune.Persistence.Queue;

/// <summary>How internal <see cref="JobState"/> values read from outside.</summary>
public static class JobStateExtensions
{
    /// <summary>
    /// The status string the API exposes (OpenAI's vocabulary). <see cref="JobState.Retryable"/> shows as
    /// <c>queued</c>: to a user a job waiting for another attempt is waiting in the queue.
    /// </summary>
    public static string ToApiStatus(this JobState state)
    {
        return state switch
        {
            JobState.ValidatingFiles => "validating_files",
            JobState.Queued or JobState.Retryable => "queued",
            JobState.Running => "running",
            JobState.Cancelling => "cancelling",
            JobState.Paused => "paused",
            JobState.Succeeded => "succeeded",
            JobState.Failed => "failed",
            JobState.Cancelled => "cancelled",
            _ => throw new ArgumentOutOfRangeException(nameof(state), state, "unknown job state"),
        };
    }

    /// <summary>
    /// The status of <paramref name="job"/> the API exposes: <see cref="ToApiStatus(JobState)"/>, except that a running job whose
    /// pause was requested shows as <c>pausing</c> until its worker has stopped.
    /// </summary>
    public static string ToApiStatus(this Entities.Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.State == JobState.Running && job.PauseRequestedAt is not null ? "pausing" : job.State.ToApiStatus();
    }

    /// <summary>Whether the state is final (succeeded, failed or cancelled): nothing changes the job afterwards.</summary>
    public static bool IsFinal(this JobState state)
    {
        return state is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
    }
}
