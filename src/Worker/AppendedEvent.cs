namespace FineTune.Worker;

/// <summary>An event this worker appended to a job's log (see <see cref="WorkerEventTypes"/> for the types).</summary>
/// <param name="JobId">The job.</param>
/// <param name="Attempt">The attempt that appended it.</param>
/// <param name="Seq">Its position in the job's log.</param>
/// <param name="Type">The event type, e.g. <c>step</c>.</param>
/// <param name="Payload">The payload as JSON.</param>
public sealed record AppendedEvent(Guid JobId, int Attempt, long Seq, string Type, string Payload);
