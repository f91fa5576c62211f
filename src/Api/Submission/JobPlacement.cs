using System.Diagnostics;
using FineTune.Persistence.Workers;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Submission;

/// <summary>Reads the live workers (<see cref="LiveWorkers"/>) and says whether placement is strict.</summary>
/// <param name="registry">The worker table.</param>
/// <param name="options">The liveness window and <see cref="ApiOptions.StrictPlacement"/>.</param>
public sealed class JobPlacement(WorkerRegistry registry, IOptions<ApiOptions> options)
{
    /// <summary>How long <see cref="RecentLiveWorkersAsync"/> reuses a read of the worker table.</summary>
    public const double CacheSeconds = 1.0;

    private volatile CachedWorkers? _cached;

    /// <summary>Whether a job no live worker can claim is refused with 422 instead of queued with a warning.</summary>
    public bool Strict => options.Value.StrictPlacement;

    /// <summary>The workers heard from within <see cref="ApiOptions.WorkerLivenessWindow"/>, read now.</summary>
    public async Task<LiveWorkers> LiveWorkersAsync(CancellationToken cancellationToken)
    {
        return new LiveWorkers(await registry.ListActiveAsync(options.Value.WorkerLivenessWindow, cancellationToken));
    }

    /// <summary>
    /// The live workers as read at most <see cref="CacheSeconds"/> ago, for the submit path: every submit needs them,
    /// and at hundreds of submits a second the query was a tenth of a submit's cost, while a worker stays live for
    /// <see cref="ApiOptions.WorkerLivenessWindow"/> (minutes), so a list a second old says the same thing. A worker
    /// that has just started counts for placement within a second.
    /// </summary>
    public async Task<LiveWorkers> RecentLiveWorkersAsync(CancellationToken cancellationToken)
    {
        if (_cached is { } cached && Stopwatch.GetElapsedTime(cached.ReadAt).TotalSeconds < CacheSeconds)
        {
            return cached.Workers;
        }
        long readAt = Stopwatch.GetTimestamp();
        LiveWorkers workers = await LiveWorkersAsync(cancellationToken);
        _cached = new CachedWorkers(workers, readAt);
        return workers;
    }

    private sealed record CachedWorkers(LiveWorkers Workers, long ReadAt);
}
