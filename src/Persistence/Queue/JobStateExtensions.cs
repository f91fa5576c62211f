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

    /// <summary>
    /// Every status <see cref="ToApiStatus(Entities.Job)"/> gives, in the states' order, <c>pausing</c> after
    /// <c>running</c>: the values a list filter takes.
    /// </summary>
    public static IReadOnlyList<string> ApiStatuses { get; } = Enum.GetValues<JobState>()
        .Select(state => state.ToApiStatus())
        .Distinct()
        .SelectMany(status => status == "running" ? new[] { status, "pausing" } : [status])
        .ToList();

    /// <summary>
    /// The jobs whose <see cref="ToApiStatus(Entities.Job)"/> is <paramref name="status"/>, as a query the database
    /// runs; null when no job shows that status (<see cref="ApiStatuses"/> lists those that do).
    /// </summary>
    public static IQueryable<Entities.Job>? WhereApiStatus(this IQueryable<Entities.Job> jobs, string status)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        List<JobState> states = Enum.GetValues<JobState>().Where(state => state.ToApiStatus() == status).ToList();
        return status switch
        {
            "pausing" => jobs.Where(job => job.State == JobState.Running && job.PauseRequestedAt != null),
            "running" => jobs.Where(job => job.State == JobState.Running && job.PauseRequestedAt == null),
            _ when states.Count == 0 => null,
            _ => jobs.Where(job => states.Contains(job.State)),
        };
    }

    /// <summary>Whether the state is final (succeeded, failed or cancelled): nothing changes the job afterwards.</summary>
    public static bool IsFinal(this JobState state)
    {
        return state is JobState.Succeeded or JobState.Failed or JobState.Cancelled;
    }
}
