using Hangfire;
using Hangfire.Common;
using Hangfire.States;
using Hangfire.Storage;

namespace FineTune.Persistence.Delivery;

/// <summary>
/// Enqueues a batch of <see cref="IJobExecution"/> jobs as Hangfire's client would, one at a time, but with one write
/// transaction for the whole batch instead of one per job. Hangfire's client creates a job in two steps, each on a
/// pooled connection of its own: the job row (<c>CreateExpiredJob</c>), then its first state, applied by Hangfire's
/// state machine in a write transaction. Under a burst of submissions the second step dominated Postgres's share of a
/// submit: a transaction, a connection reset and a <c>NOTIFY new_job</c> per job, each notification waking every idle
/// Hangfire worker to a fetch. Here the rows are created one by one on one storage connection, then the same state
/// machine (our filters, Hangfire's <see cref="EnqueuedState"/> handler) enqueues them all in one transaction, whose
/// identical notifications Postgres delivers once.
/// <para>
/// What the client does beyond this is running <c>IClientFilter</c>s, and FineTune's filters
/// (<see cref="HangfireSetup.CreateFilters"/>) have none. A crash between the steps leaves job rows without a state,
/// which Hangfire expires (they are created expiring, as the client's are) and no server ever fetches; the dispatcher's
/// transaction then rolls back and the next sweep hands those jobs over again.
/// </para>
/// </summary>
internal sealed class HangfireBatchEnqueuer
{
    private static readonly TimeSpan UnstartedJobExpiry = TimeSpan.FromDays(30);

    private readonly JobStorage _storage;
    private readonly StateMachine _stateMachine;

    public HangfireBatchEnqueuer(JobStorage storage, IJobFilterProvider filters)
    {
        ArgumentNullException.ThrowIfNull(storage);
        ArgumentNullException.ThrowIfNull(filters);
        _storage = storage;
        _stateMachine = new StateMachine(filters);
    }

    /// <summary>Enqueues <c>RunAsync(jobs[i].Id)</c> on <c>jobs[i].Queue</c>; returns the Hangfire job IDs, in order.</summary>
    public string[] Enqueue(IReadOnlyList<(Guid Id, string Queue)> jobs)
    {
        ArgumentNullException.ThrowIfNull(jobs);
        var hangfireJobIds = new string[jobs.Count];
        if (jobs.Count == 0)
        {
            return hangfireJobIds;
        }
        using IStorageConnection connection = _storage.GetConnection();
        var created = new BackgroundJob[jobs.Count];
        for (int i = 0; i < jobs.Count; i++)
        {
            Guid jobId = jobs[i].Id;
            Job job = Job.FromExpression<IJobExecution>(execution => execution.RunAsync(jobId, null, CancellationToken.None));
            DateTime createdAt = DateTime.UtcNow;
            hangfireJobIds[i] = connection.CreateExpiredJob(job, new Dictionary<string, string>(), createdAt, UnstartedJobExpiry)
                ?? throw new InvalidOperationException($"Hangfire's storage created no job for {jobId}");
            created[i] = new BackgroundJob(hangfireJobIds[i], job, createdAt);
        }
        using IWriteOnlyTransaction transaction = connection.CreateWriteTransaction();
        for (int i = 0; i < jobs.Count; i++)
        {
            _stateMachine.ApplyState(new ApplyStateContext(_storage, connection, transaction, created[i], new EnqueuedState(jobs[i].Queue), oldStateName: null));
        }
        transaction.Commit();
        return hangfireJobIds;
    }
}
