using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Testing;

namespace FineTune.Persistence.Tests.Infrastructure;

/// <summary>
/// What one queue test needs: a queue on a manual clock and a backend name of its own. Workers claim by backend, so
/// tests sharing a database never claim each other's jobs.
/// </summary>
internal sealed class QueueFixture
{
    public QueueFixture(TestDatabase database, JobQueueOptions? options = null)
    {
        Database = database;
        Options = options ?? new JobQueueOptions();
        Queue = new JobQueue(database.DataSource, Options, Clock);
        Rescuer = new JobRescuer(database.DataSource, Options, Clock);
    }

    public TestDatabase Database { get; }

    public JobQueueOptions Options { get; }

    public ManualTimeProvider Clock { get; } = new();

    public JobQueue Queue { get; }

    public JobRescuer Rescuer { get; }

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

    public async Task<JobLease> ClaimAsync(WorkerCapabilities worker)
    {
        return await Queue.ClaimAsync(worker, CancellationToken.None)
            ?? throw new InvalidOperationException("expected a claimable job");
    }

    public async Task<Job> GetAsync(Guid jobId)
    {
        return await Queue.GetAsync(TenantId, jobId, CancellationToken.None)
            ?? throw new InvalidOperationException($"job {jobId} not found");
    }
}
