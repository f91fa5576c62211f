namespace FineTune.Benchmarks;

/// <summary>What <c>finetune bench service</c> runs against and how hard.</summary>
/// <param name="Url">The service's base URL.</param>
/// <param name="ApiKey">An API key of the tenant the benchmark's jobs belong to.</param>
/// <param name="Connection">The service's Postgres (the fan-out measurement appends an event as a worker would).</param>
/// <param name="Rate">POST /v1/jobs requests per second, scheduled open-loop.</param>
/// <param name="DurationSeconds">How long the measured part of the fixed-rate load lasts.</param>
/// <param name="Subscribers">SignalR clients that subscribe to the fan-out job.</param>
/// <param name="Model">A model the instance serves; null for the first of GET /v1/models.</param>
internal sealed record ServiceBenchmarkOptions(
    string Url, string ApiKey, string Connection, double Rate, double DurationSeconds, int Subscribers, string? Model)
{
    /// <summary>
    /// Load at the same rate before the measured part, in one-second bursts, not counted. A freshly started server
    /// runs tier-0 code until tiered compilation catches up: after one second of warm-up its p50 was seconds (it
    /// queued), after five bursts it was within a few ms of a long-running server's.
    /// </summary>
    public double WarmupSeconds { get; init; } = 5.0;

    /// <summary>Sequential submit-to-running samples.</summary>
    public int RunningRepeats { get; init; } = 20;

    /// <summary>Worker hosts of the race (<see cref="WorkerRace"/>); 0 skips it.</summary>
    public int RaceWorkers { get; init; } = 8;

    /// <summary>Short jobs the race's workers race over.</summary>
    public int RaceJobs { get; init; } = 2000;

    /// <summary>The folder of model folders the race's workers load from; null: the worker's default
    /// (<c>FINETUNE_MODELS_DIR</c>, else <c>models</c>).</summary>
    public string? ModelsDir { get; init; }
}
