using FineTune.Persistence.Workers;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Submission;

/// <summary>Reads the live workers (<see cref="LiveWorkers"/>) and says whether placement is strict.</summary>
/// <param name="registry">The worker table.</param>
/// <param name="options">The liveness window and <see cref="ApiOptions.StrictPlacement"/>.</param>
public sealed class JobPlacement(WorkerRegistry registry, IOptions<ApiOptions> options)
{
    /// <summary>Whether a job no live worker can claim is refused with 422 instead of queued with a warning.</summary>
    public bool Strict => options.Value.StrictPlacement;

    /// <summary>The workers heard from within <see cref="ApiOptions.WorkerLivenessWindow"/>.</summary>
    public async Task<LiveWorkers> LiveWorkersAsync(CancellationToken cancellationToken)
    {
        return new LiveWorkers(await registry.ListActiveAsync(options.Value.WorkerLivenessWindow, cancellationToken));
    }
}
