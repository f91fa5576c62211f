namespace FineTune.Benchmarks;

/// <summary>Figures printed by <c>finetune bench service</c>; every one was measured by this run.</summary>
internal sealed record ServiceBenchmarkResult(
    string Url,
    string Model,
    string RunId,
    SubmitLatencyResult Submit,
    SubmitToRunningResult SubmitToRunning,
    FanOutResult FanOut,
    WorkerRaceResult? Race,
    CleanupResult Cleanup);

/// <summary>POST /v1/jobs under open-loop load; latencies run from each request's scheduled send time. Throttled counts
/// the 429 answers of the API's per-tenant rate limiter: the load comes from one tenant, so it measures the service only
/// when the server's limit is raised to the rate (ApiOptions:RateLimitPerSecond, 0 = off).</summary>
internal sealed record SubmitLatencyResult(
    string Backend,
    bool CancelledOnCreation,
    double TargetRate,
    double DurationSeconds,
    double WarmupSeconds,
    int Requests,
    int Succeeded,
    int Errors,
    int Throttled,
    string? FirstError,
    double AchievedRate,
    double P50Ms,
    double P90Ms,
    double P99Ms,
    double MaxMs,
    double SendLagP99Ms,
    double TargetP99Ms)
{
    public bool TargetMet => Errors == 0 && P99Ms <= TargetP99Ms;
}

/// <summary>From just before POST to the first GET that shows the job running; null figures when it was skipped. The
/// target is on the median (issue 11: p50 &lt;= 100 ms).</summary>
internal sealed record SubmitToRunningResult(
    string Backend,
    IReadOnlyList<double> SamplesMs,
    IReadOnlyList<string> FinalStatuses,
    double? MedianMs,
    double? P99Ms,
    double? MaxMs,
    double TargetMs,
    string? SkippedReason)
{
    public bool TargetMet => MedianMs is double median && median <= TargetMs;
}

/// <summary>One event appended through Persistence, timed until each of N SignalR subscribers has it.</summary>
internal sealed record FanOutResult(
    int Subscribers,
    int Connected,
    int Received,
    double ConnectSeconds,
    double AppendMs,
    double LastReceivedMs,
    double P50Ms,
    double P99Ms,
    double TargetMs,
    string? FirstError)
{
    public bool TargetMet => Received == Subscribers && LastReceivedMs <= TargetMs;
}

/// <summary>What the benchmark left behind: every job it created is cancelled (or finished) before it returns.</summary>
internal sealed record CleanupResult(string DatasetId, int JobsCreated, int JobsCancelled, int JobsLeftUnfinished);
