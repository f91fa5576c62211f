namespace FineTune.Persistence.Queue;

/// <summary>
/// The event that closes an attempt, written by the same transaction as the job's new state (see
/// <c>JobQueue.Finish.cs</c>).
/// </summary>
/// <param name="Type">The event type (<c>completed</c>, <c>failed</c>, <c>status</c>).</param>
/// <param name="Payload">The event's JSON.</param>
public sealed record FinalEvent(string Type, string Payload);
