using System.Globalization;
using FineTune.Persistence.Queue;

namespace FineTune.Api.Tests.Hubs;

/// <summary>
/// Plays a worker through the real queue: enqueues a job on a backend of its own, claims it as Hangfire's delivery
/// would, and appends step events under the lease, exactly as the Worker does (each append is one transaction and one
/// NOTIFY).
/// </summary>
internal sealed class SimulatedWorker
{
    private readonly JobQueue _queue;
    private readonly JobLease _lease;
    private int _step;

    private SimulatedWorker(JobQueue queue, JobLease lease)
    {
        _queue = queue;
        _lease = lease;
    }

    public Guid JobId => _lease.Job.Id;

    public static async Task<SimulatedWorker> StartAsync(JobQueue queue, Guid tenantId)
    {
        string backend = "hubs-" + Guid.NewGuid().ToString("N")[..12];
        Persistence.Entities.Job job = await queue.EnqueueAsync(new NewJob(tenantId, "train.lora", """{"model":"tiny"}""", backend), CancellationToken.None);
        var worker = new WorkerCapabilities("worker-" + Guid.NewGuid().ToString("N"), "test-host", [backend], 1L << 36);
        JobLease lease = (await queue.ClaimAsync(job.Id, worker, CancellationToken.None)).Lease
            ?? throw new InvalidOperationException("the job just enqueued was not claimable");
        return new SimulatedWorker(queue, lease);
    }

    /// <summary>Appends the next step event; returns its seq.</summary>
    public Task<long> AppendStepAsync()
    {
        _step++;
        string loss = (4.0 / _step).ToString("R", CultureInfo.InvariantCulture);
        return _queue.AppendEventAsync(_lease, "step", $$"""{"step":{{_step}},"loss":{{loss}}}""", CancellationToken.None);
    }

    /// <summary>Appends <paramref name="count"/> step events one after another; returns the last seq.</summary>
    public async Task<long> AppendStepsAsync(int count)
    {
        long seq = 0;
        for (int i = 0; i < count; i++)
        {
            seq = await AppendStepAsync();
        }
        return seq;
    }
}
