using System.Globalization;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;

namespace FineTune.Api.Submission;

/// <summary>
/// The workers heard from recently, read once per request, and what they mean for jobs that wait: a job whose
/// backend no live worker offers, or that needs more memory than every such worker has per job, would wait in the
/// queue with nothing to say why (the claim simply never matches it). These warnings say it, on the job and on the
/// backend, and <see cref="ApiOptions.StrictPlacement"/> turns them into a 422 at submit.
/// </summary>
public sealed class LiveWorkers
{
    private readonly IReadOnlyList<WorkerRegistration> _workers;

    /// <summary>Wraps <paramref name="workers"/>, the live ones (<see cref="ApiOptions.WorkerLivenessWindow"/>).</summary>
    public LiveWorkers(IReadOnlyList<WorkerRegistration> workers)
    {
        ArgumentNullException.ThrowIfNull(workers);
        _workers = workers;
    }

    /// <summary>Live workers offering <paramref name="backend"/>.</summary>
    public int Count(string backend) => _workers.Count(worker => worker.Backends.Contains(backend));

    /// <summary>Why jobs for <paramref name="backend"/> would wait, or null when a live worker offers it.</summary>
    public string? BackendWarning(string backend)
    {
        return Count(backend) == 0
            ? $"no live worker offers {backend}; its jobs stay queued until one starts (GET /v1/workers lists the live ones)"
            : null;
    }

    /// <summary>
    /// Why a job for <paramref name="backend"/> needing <paramref name="requiredMemoryBytes"/> would wait: no live
    /// worker offers the backend, or none has that much memory per job. Empty when some live worker can claim it.
    /// </summary>
    public IReadOnlyList<string> Warnings(string backend, long requiredMemoryBytes)
    {
        if (BackendWarning(backend) is { } noWorker)
        {
            return [noWorker];
        }
        long largest = _workers.Where(worker => worker.Backends.Contains(backend)).Max(worker => worker.MemoryBytes);
        if (requiredMemoryBytes > largest)
        {
            return [
                $"the job needs an estimated {GiB(requiredMemoryBytes)} GiB (required_memory_bytes) but the largest live {backend} "
                + $"worker has {GiB(largest)} GiB per job; it stays queued until a bigger worker starts (or lower "
                + "hyperparameters.batch_size or max_seq_len, keeping the effective batch with grad_accum)",
            ];
        }
        return [];
    }

    /// <summary>The warnings of <paramref name="job"/>: those of <see cref="Warnings(string, long)"/> while it waits to be claimed, none once it runs or ends.</summary>
    public IReadOnlyList<string> Warnings(Job job)
    {
        ArgumentNullException.ThrowIfNull(job);
        return job.State is JobState.ValidatingFiles or JobState.Queued or JobState.Retryable
            ? Warnings(job.Backend, job.RequiredMemoryBytes)
            : [];
    }

    private static string GiB(long bytes) => (bytes / (double)(1L << 30)).ToString("F1", CultureInfo.InvariantCulture);
}
