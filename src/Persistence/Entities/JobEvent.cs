namespace FineTune.Persistence.Entities;

/// <summary>
/// One entry of a job's append-only event log (step losses, epsilon, status notes). <see cref="Seq"/> counts from 1
/// per job without gaps, so a client that saw seq <c>n</c> asks for everything after <c>n</c> and misses nothing.
/// </summary>
public sealed class JobEvent
{
    /// <summary>The job the event belongs to.</summary>
    public Guid JobId { get; set; }

    /// <summary>Position in the job's log, from 1.</summary>
    public long Seq { get; set; }

    /// <summary>The event type, e.g. <c>step</c> or <c>status</c>.</summary>
    public required string Type { get; set; }

    /// <summary>The payload as JSON.</summary>
    public required string Payload { get; set; }

    /// <summary>The job attempt during which it was appended (0 for events written before the first claim).</summary>
    public int Attempt { get; set; }

    /// <summary>When it was appended.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
