using FineTune.Persistence.Entities;
using FineTune.Persistence.Notifications;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class NotificationTests(TestDatabase database) : IClassFixture<TestDatabase>, IAsyncLifetime, IDisposable
{
    // Only a guard against a hang: every wait below ends as soon as its signal arrives.
    private static readonly TimeSpan s_guard = TimeSpan.FromSeconds(30);

    private readonly NotificationListener _listener = new(database.DataSource);
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
    public async Task Subscribe_AppendEvent_DeliversJobIdAndSeqAtCommit()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        var received = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable subscription = _listener.Subscribe(NotificationChannels.JobEvents, payload =>
        {
            if (payload.StartsWith(lease.JobId.ToString(), StringComparison.Ordinal))
            {
                received.TrySetResult(payload);
            }
        });

        long seq = await queue.Queue.AppendEventAsync(lease, "step", """{"loss": 2.5}""", CancellationToken.None);

        Assert.Equal($"{lease.JobId}:{seq}", await received.Task.WaitAsync(s_guard));
    }

    [Fact]
    public async Task Subscribe_CancelOfRunningJob_NotifiesItsWorker()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        await queue.ClaimAsync(job.Id);
        var received = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        using IDisposable subscription = _listener.Subscribe(NotificationChannels.JobCancel, payload =>
        {
            if (payload == job.Id.ToString())
            {
                received.TrySetResult();
            }
        });

        await queue.Queue.RequestCancelAsync(queue.TenantId, job.Id, CancellationToken.None);

        await received.Task.WaitAsync(s_guard);
    }

    [Fact]
    public void Subscribe_UnknownChannel_Throws()
    {
        Assert.Throws<ArgumentException>(() => _listener.Subscribe("no_such_channel", _ => { }));
    }
}
