using Hangfire.Server;

namespace FineTune.Persistence.Delivery;

/// <summary>
/// The Hangfire job method that runs one FineTune job. The API and the dispatcher enqueue it by this interface (they
/// do not reference the worker); a worker's Hangfire server activates the worker's implementation. The argument is
/// the job's ID only: the spec and everything else are read from the <c>job</c> row, which stays the record.
/// </summary>
public interface IJobExecution
{
    /// <summary>Claims an attempt on <paramref name="jobId"/> (fenced), runs it to its end and records how it ended.</summary>
    /// <param name="jobId">The FineTune job.</param>
    /// <param name="context">Filled in by Hangfire when the job runs (enqueue with null).</param>
    /// <param name="cancellationToken">Fired by Hangfire when its server stops (enqueue with <c>CancellationToken.None</c>).</param>
    public Task RunAsync(Guid jobId, PerformContext? context, CancellationToken cancellationToken);
}
