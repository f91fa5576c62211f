namespace FineTune.Persistence.Queue;

/// <summary>What a pause or resume request did to a job (<see cref="JobQueue.RequestPauseAsync"/>, <see cref="JobQueue.ResumeAsync"/>).</summary>
/// <param name="State">The job's state after the request.</param>
/// <param name="Accepted">False when the job's state does not allow the request; nothing changed then.</param>
/// <param name="HangfireJobId">The Hangfire job of a job paused before it ran, for the caller to delete; else null.</param>
public sealed record JobControl(JobState State, bool Accepted, string? HangfireJobId = null);
