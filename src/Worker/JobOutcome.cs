namespace FineTune.Worker;

/// <summary>How one attempt of a job ended on this worker.</summary>
/// <param name="JobId">The job.</param>
/// <param name="Attempt">The attempt.</param>
/// <param name="Kind">The ending.</param>
/// <param name="Error">The reason, for failures.</param>
public sealed record JobOutcome(Guid JobId, int Attempt, JobOutcomeKind Kind, string? Error = null);
