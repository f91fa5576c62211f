namespace FineTune.Persistence.Notifications;

/// <summary>
/// The LISTEN/NOTIFY channels. Triggers in the schema send them (migrations 0001 and 0003; Hangfire wakes workers for new jobs), so every path that changes a job or
/// appends an event notifies. They are wake-up hints only: a notification can be lost while a listener reconnects,
/// so every consumer also polls or re-reads.
/// </summary>
public static class NotificationChannels
{
    /// <summary>A running job was asked to cancel; the payload is its ID.</summary>
    public const string JobCancel = "job_cancel";

    /// <summary>An event was appended; the payload is <c>job_id:seq</c>.</summary>
    public const string JobEvents = "job_events";

    /// <summary>Every channel above; the listener subscribes to all of them.</summary>
    public static IReadOnlyList<string> All { get; } = [JobCancel, JobEvents];
}
