namespace FineTune.Benchmarks;

/// <summary>
/// What the race of <c>finetune bench service</c> counted, from our tables and from Hangfire's. The targets: no
/// duplicate run, no job stuck on either side.
/// </summary>
/// <param name="Database">The race's own database (created for the run, dropped after it).</param>
/// <param name="Workers">Worker hosts, each one Hangfire server with one worker thread.</param>
/// <param name="Jobs">Short real jobs submitted (1 LoRA step each).</param>
/// <param name="SubmitSeconds">Time to submit them all (each committed, then handed to Hangfire).</param>
/// <param name="WallSeconds">From the first submit until every job was final (or the race gave up).</param>
/// <param name="JobsPerSecond">Jobs over wall time.</param>
internal sealed record WorkerRaceResult(string Database, int Workers, int Jobs, double SubmitSeconds, double WallSeconds, double JobsPerSecond)
{
    /// <summary>Jobs that ended succeeded.</summary>
    public int Succeeded { get; init; }

    /// <summary>Workers that ran at least one job (the race spread the jobs).</summary>
    public int WorkersThatRan { get; init; }

    /// <summary>Ours: jobs written to by more than one attempt (two attempts that both trained or wrote).</summary>
    public int DuplicateRuns { get; init; }

    /// <summary>Ours: (job, step) pairs with more than one step event.</summary>
    public int RedoneSteps { get; init; }

    /// <summary>Ours: jobs that needed more than one attempt (a retry, not a duplicate: the first attempt ended first).</summary>
    public int Retried { get; init; }

    /// <summary>Ours: jobs not final when the race ended (no job finished for two minutes).</summary>
    public int Stuck { get; init; }

    /// <summary>Hangfire: its jobs (one per submit, plus look-agains of duplicate deliveries).</summary>
    public int HangfireJobs { get; init; }

    /// <summary>Hangfire: deliveries performed (Processing states); above <see cref="Jobs"/> means redeliveries.</summary>
    public int HangfireDeliveries { get; init; }

    /// <summary>Hangfire: jobs it failed.</summary>
    public int HangfireFailed { get; init; }

    /// <summary>Hangfire: jobs left enqueued, processing or in no state.</summary>
    public int HangfireStuck { get; init; }

    /// <summary>Hangfire: scheduled look-agains still pending (harmless once our job is final).</summary>
    public int HangfireScheduled { get; init; }

    /// <summary>Hangfire: entries left in <c>hangfire.jobqueue</c>.</summary>
    public int HangfireQueueLeft { get; init; }

    public bool TargetMet => DuplicateRuns == 0 && RedoneSteps == 0 && Stuck == 0 && HangfireStuck == 0 && HangfireQueueLeft == 0 && Succeeded == Jobs;
}
