namespace FineTune.Persistence.Queue;

/// <summary>
/// A worker wrote about a job it no longer holds: its lease expired and was rescued, so another attempt may be
/// running. The write was refused; the worker must stop the job without further writes.
/// </summary>
public sealed class LeaseLostException : Exception
{
    /// <summary>Creates the exception for a refused write.</summary>
    /// <param name="jobId">The job.</param>
    /// <param name="workerId">The worker that presented the lease.</param>
    /// <param name="attempt">The attempt it presented.</param>
    /// <param name="currentState">The job's state when the write was refused, if the job still exists.</param>
    public LeaseLostException(Guid jobId, string workerId, int attempt, JobState? currentState)
        : base($"job {jobId}: worker {workerId} no longer holds attempt {attempt} (job is {currentState?.ToString() ?? "gone"})")
    {
        JobId = jobId;
        WorkerId = workerId;
        Attempt = attempt;
        CurrentState = currentState;
    }

    /// <summary>Creates the exception with a message only.</summary>
    public LeaseLostException(string message)
        : base(message)
    {
        WorkerId = "";
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public LeaseLostException(string message, Exception innerException)
        : base(message, innerException)
    {
        WorkerId = "";
    }

    /// <summary>Creates the exception without details.</summary>
    public LeaseLostException()
    {
        WorkerId = "";
    }

    /// <summary>The job.</summary>
    public Guid JobId { get; }

    /// <summary>The worker that presented the lease.</summary>
    public string WorkerId { get; }

    /// <summary>The attempt it presented.</summary>
    public int Attempt { get; }

    /// <summary>The job's state when the write was refused; null if the job no longer exists.</summary>
    public JobState? CurrentState { get; }
}
