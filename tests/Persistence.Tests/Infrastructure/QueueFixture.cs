using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Testing;

namespace FineTune.Persistence.Tests.Infrastructure;

/// <summary>
/// What one queue test needs: a queue on a manual clock, a tenant and a backend name of its own. The test plays
/// Hangfire's part: it delivers a job to a worker by its ID (<see cref="ClaimAsync(Guid, WorkerCapabilities?)"/>),
/// as the job method does.
/// </summary>
internal sealed class QueueFixture
{
    public QueueFixture(TestDatabase database, JobQueueOptions? options = null)
    {
        Database = database;
        Options = options ?? new JobQueueOptions();
        Queue = new JobQueue(database.DataSource, Options, Clock);
    }

    public TestDatabase Database { get; }

    public JobQueueOptions Options { get; }

    public ManualTimeProvider Clock { get; } = new();

    public JobQueue Queue { get; }

    public string Backend { get; } = "test-" + Guid.NewGuid().ToString("N")[..12];

    public Guid TenantId { get; private set; }

    public static async Task<QueueFixture> CreateAsync(TestDatabase database, JobQueueOptions? options = null)
    {
        var fixture = new QueueFixture(database, options);
        fixture.TenantId = await database.CreateTenantAsync();
        return fixture;
    }

    public WorkerCapabilities Worker(string name = "worker", long memoryBytes = 1L << 36)
    {
        return new WorkerCapabilities($"{name}-{Guid.NewGuid():N}", "test-host", [Backend], memoryBytes);
    }

    public NewJob NewJob(string kind = "train.lora")
    {
        return new NewJob(TenantId, kind, """{"model":"tiny"}""", Backend);
    }

    public Task<Job> EnqueueAsync(NewJob? job = null)
    {
        return Queue.EnqueueAsync(job ?? NewJob(), CancellationToken.None);
    }

    /// <summary>Delivers <paramref name="jobId"/> to <paramref name="worker"/> (a new one when null); fails unless an
    /// attempt starts.</summary>
    public async Task<JobLease> ClaimAsync(Guid jobId, WorkerCapabilities? worker = null)
    {
        return await TryClaimAsync(jobId, worker)
            ?? throw new InvalidOperationException($"job {jobId} was delivered but no attempt started");
    }

    /// <summary>Delivers <paramref name="jobId"/> to <paramref name="worker"/>; null when no attempt starts.</summary>
    public async Task<JobLease?> TryClaimAsync(Guid jobId, WorkerCapabilities? worker = null)
    {
        return (await Queue.ClaimAsync(jobId, worker ?? Worker(), CancellationToken.None)).Lease;
    }

    /// <summary>Enqueues a job (the default one when null) and delivers it to <paramref name="worker"/>.</summary>
    public async Task<JobLease> EnqueueAndClaimAsync(NewJob? job = null, WorkerCapabilities? worker = null)
    {
        return await ClaimAsync((await EnqueueAsync(job)).Id, worker);
    }

    public async Task<Job> GetAsync(Guid jobId)
    {
        return await Queue.GetAsync(TenantId, jobId, CancellationToken.None)
            ?? throw new InvalidOperationException($"job {jobId} not found");
    }
}
