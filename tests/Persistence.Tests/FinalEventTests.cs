using FineTune.Persistence.Entities;
using FineTune.Persistence.Events;
using FineTune.Persistence.Notifications;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

/// <summary>
/// The event that ends an attempt commits with the job's new state (issue 13: the worker appended `cancelled`, and a
/// client woken by it read a job still `cancelling`, before the row was written in a second transaction).
/// </summary>
public sealed class FinalEventTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime, IDisposable
{
    // Only a guard against a hang: every wait below ends as soon as its signal arrives.
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    private readonly NotificationListener _listener = new(database.DataSource);
    private readonly JobEventLog _log = new(database.DataSource);
    private readonly CancellationTokenSource _stop = new();

    public async Task InitializeAsync()
    {
        await _listener.StartAsync(_stop.Token);
        await _listener.ListeningAsync(_stop.Token).WaitAsync(s_guard);
    }

    public async Task DisposeAsync()
    {
        await _listener.StopAsync(CancellationToken.None);
    }

    public void Dispose()
    {
        _listener.Dispose();
        _stop.Dispose();
    }

    [Fact]
    public async Task MarkCancelledAsync_WithFinalEvent_AClientWokenByTheEventReadsTheJobCancelled()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        await queue.Queue.RequestCancelAsync(queue.TenantId, lease.JobId, CancellationToken.None);
        var woken = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable subscription = _listener.Subscribe(NotificationChannels.JobEvents, payload =>
        {
            if (payload.StartsWith(lease.JobId.ToString(), StringComparison.Ordinal))
            {
                woken.TrySetResult();
            }
        });

        // Not awaited first: the client reads the job as soon as the notification arrives, as a subscriber does.
        Task<(JobState State, long EventSeq)> finishing = queue.Queue.MarkCancelledAsync(lease, new FinalEvent("status", """{"status": "cancelled"}"""), CancellationToken.None);
        await woken.Task.WaitAsync(s_guard);
        Job seen = await queue.GetAsync(lease.JobId);
        (JobState state, long seq) = await finishing;

        Assert.Equal(JobState.Cancelled, seen.State);
        Assert.Equal(JobState.Cancelled, state);
        JobEvent last = (await _log.ReadEventsAsync(queue.TenantId, lease.JobId, 0, 100, CancellationToken.None))[^1];
        Assert.Equal(seq, last.Seq);
        Assert.Contains("cancelled", last.Payload, StringComparison.Ordinal);
    }

    [Fact]
    public async Task CompleteAsync_WithFinalEvent_RetriedAfterItsCommit_ReportsTheStateAndKeepsOneEvent()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        var completed = new FinalEvent("completed", """{"status": "succeeded"}""");

        (JobState first, long firstSeq) = await queue.Queue.CompleteAsync(lease, "{}", null, completed, CancellationToken.None);
        // The same call again, as the database retry makes it when a commit's acknowledgement was lost.
        (JobState again, long againSeq) = await queue.Queue.CompleteAsync(lease, "{}", null, completed, CancellationToken.None);

        Assert.Equal(JobState.Succeeded, first);
        Assert.True(firstSeq > 0);
        Assert.Equal(JobState.Succeeded, again);
        Assert.Equal(0, againSeq);
        IReadOnlyList<JobEvent> events = await _log.ReadEventsAsync(queue.TenantId, lease.JobId, 0, 100, CancellationToken.None);
        Assert.Single(events, e => e.Type == "completed");
    }

    [Fact]
    public async Task FailAsync_WithFinalEvent_StaleWorker_WritesNeitherTheEventNorTheState()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease stale = await queue.EnqueueAndClaimAsync();
        queue.Clock.Advance(queue.Options.LeaseDuration + TimeSpan.FromSeconds(1));
        JobLease current = await queue.ClaimAsync(stale.JobId, queue.Worker("current"));

        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.FailAsync(stale, "boom", permanent: true, new FinalEvent("failed", "{}"), CancellationToken.None));

        Job job = await queue.GetAsync(stale.JobId);
        Assert.Equal(JobState.Running, job.State);
        Assert.Equal(current.Attempt, job.Attempt);
        IReadOnlyList<JobEvent> events = await _log.ReadEventsAsync(queue.TenantId, stale.JobId, 0, 100, CancellationToken.None);
        Assert.DoesNotContain(events, e => e.Type == "failed");
    }
}
