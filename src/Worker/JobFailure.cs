namespace FineTune.Worker;

/// <summary>How a failed attempt is reported: the reason stored on the job, and whether retrying is pointless.</summary>
/// <param name="Message">The readable reason (one line; never a stack trace).</param>
/// <param name="Permanent">True fails the job at once; false lets the queue retry it after a backoff.</param>
public sealed record JobFailure(string Message, bool Permanent);
