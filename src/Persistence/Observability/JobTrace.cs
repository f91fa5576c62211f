using System.Diagnostics;

namespace FineTune.Persistence.Observability;

/// <summary>
/// The OpenTelemetry trace of a job's life: <c>job.submit</c> in the API, then <c>job.claim</c> and <c>job.train</c>
/// in whichever worker runs each attempt. The API and the workers share no request, so the trace context travels
/// in the job's ID instead of a column: a job's trace ID is its UUID's 16 bytes (the ID without dashes), and every
/// span of the job is a child of one virtual root span whose ID is the UUID's last 8 bytes. Any process that knows the
/// job ID joins the same trace, with no schema change and nothing to propagate through the queue.
/// </summary>
public static class JobTrace
{
    /// <summary>The <see cref="ActivitySource"/> name to export (<c>AddSource</c>) or to listen to in tests.</summary>
    public const string SourceName = "FineTune.Jobs";

    /// <summary>The span attribute holding the job's ID.</summary>
    public const string JobIdTag = "finetune.job.id";

    /// <summary>The span attribute holding the attempt number (worker spans).</summary>
    public const string AttemptTag = "finetune.job.attempt";

    /// <summary>The one source of job spans in this process.</summary>
    public static readonly ActivitySource Source = new(SourceName);

    /// <summary>The trace ID of <paramref name="jobId"/>: its bytes in RFC 4122 (big-endian) order.</summary>
    public static ActivityTraceId TraceIdOf(Guid jobId)
    {
        Span<byte> bytes = stackalloc byte[16];
        jobId.TryWriteBytes(bytes, bigEndian: true, out _);
        return ActivityTraceId.CreateFromBytes(bytes);
    }

    /// <summary>The virtual root every span of <paramref name="jobId"/> hangs from (remote, sampled).</summary>
    public static ActivityContext RootOf(Guid jobId)
    {
        Span<byte> bytes = stackalloc byte[16];
        jobId.TryWriteBytes(bytes, bigEndian: true, out _);
        return new ActivityContext(
            ActivityTraceId.CreateFromBytes(bytes), ActivitySpanId.CreateFromBytes(bytes[8..]), ActivityTraceFlags.Recorded, isRemote: true);
    }

    /// <summary>
    /// Starts a span of <paramref name="jobId"/>'s trace, or returns null when nobody listens (no exporter, no test
    /// listener). <paramref name="startTime"/> lets a span begin before the job ID was known (submit, claim).
    /// <paramref name="link"/> ties it to the span that was current, e.g. the HTTP request that submitted the job.
    /// </summary>
    public static Activity? Start(string name, Guid jobId, DateTimeOffset startTime, ActivityContext link = default)
    {
        ActivityLink[]? links = link == default ? null : [new ActivityLink(link)];
        Activity? activity = Source.StartActivity(name, ActivityKind.Internal, RootOf(jobId), links: links, startTime: startTime);
        activity?.SetTag(JobIdTag, jobId.ToString());
        return activity;
    }
}
