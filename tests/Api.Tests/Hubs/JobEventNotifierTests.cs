using FineTune.Api.Hubs;
using FineTune.Persistence.Events;
using FineTune.Persistence.Notifications;
using FineTune.Persistence.Queue;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Tests.Hubs;

/// <summary>
/// The notifier against a real Postgres, real LISTEN/NOTIFY and real queue appends, with SignalR's hub context
/// replaced by a recorder: the ordering guarantee is checked where it is made, including under racing appends.
/// </summary>
public sealed class JobEventNotifierTests(HubTestDatabase database) : IClassFixture<HubTestDatabase>, IAsyncLifetime
{
    private readonly RecordingHubContext _hub = new();
    private readonly List<IAsyncDisposable> _cleanup = [];
    private JobQueue _queue = null!;
    private Guid _tenantId;

    public async Task InitializeAsync()
    {
        _queue = new JobQueue(database.DataSource);
        _tenantId = await database.CreateTenantAsync();
    }

    public async Task DisposeAsync()
    {
        foreach (IAsyncDisposable disposable in Enumerable.Reverse(_cleanup))
        {
            await disposable.DisposeAsync();
        }
    }

    [Fact]
    public async Task SubscribeAsync_StoredThenLiveEvents_SendsEachOnceInOrder()
    {
        JobEventNotifier notifier = await StartNotifierAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        await worker.AppendStepsAsync(5);

        Assert.True(await notifier.SubscribeAsync("c1", _tenantId, worker.JobId, 0, CancellationToken.None));
        await worker.AppendStepsAsync(5);
        await _hub.WaitForSeqAsync("c1", worker.JobId, 10);

        Assert.Equal(Sequence(1, 10), _hub.SeqsSentTo("c1", worker.JobId));
        Assert.Equal(0, _hub.OverlappingSends);
    }

    [Fact]
    public async Task SubscribeAsync_AfterSeq_SendsOnlyLaterEvents()
    {
        JobEventNotifier notifier = await StartNotifierAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        await worker.AppendStepsAsync(6);

        await notifier.SubscribeAsync("c1", _tenantId, worker.JobId, 4, CancellationToken.None);
        await worker.AppendStepAsync();
        await _hub.WaitForSeqAsync("c1", worker.JobId, 7);

        Assert.Equal([5, 6, 7], _hub.SeqsSentTo("c1", worker.JobId));
    }

    [Fact]
    public async Task SubscribeAsync_RacingAppendsAndSubscriptions_EverySubscriberGetsAGaplessOrderedTail()
    {
        const int writers = 4;
        const int eventsPerWriter = 60;
        const int total = writers * eventsPerWriter;
        const int subscribers = 16;
        JobEventNotifier notifier = await StartNotifierAsync(new JobsHubOptions { PageSize = 7 });
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        var progress = new ProgressSignal();
        var random = new Random(1234);
        var afterSeqs = new Dictionary<string, long>();

        // Four appenders share the lease, so commits race for the job row just as retries and service events can.
        Task appending = Task.WhenAll(Enumerable.Range(0, writers).Select(_ => Task.Run(async () =>
        {
            for (int i = 0; i < eventsPerWriter; i++)
            {
                progress.Report(await worker.AppendStepAsync());
            }
        })));
        for (int i = 0; i < subscribers; i++)
        {
            // Spread the subscriptions over the run: each starts once the log has grown, from a point at or behind it.
            long reached = await progress.WhenAtLeastAsync(i * total / subscribers);
            string connectionId = "c" + i;
            afterSeqs[connectionId] = random.NextInt64(0, reached + 1);
            Assert.True(await notifier.SubscribeAsync(connectionId, _tenantId, worker.JobId, afterSeqs[connectionId], CancellationToken.None));
        }
        await appending;
        await Task.WhenAll(afterSeqs.Keys.Select(connectionId => _hub.WaitForSeqAsync(connectionId, worker.JobId, total)));

        foreach ((string connectionId, long afterSeq) in afterSeqs)
        {
            Assert.Equal(Sequence(afterSeq + 1, total), _hub.SeqsSentTo(connectionId, worker.JobId));
        }
        Assert.Equal(0, _hub.OverlappingSends);
    }

    [Fact]
    public async Task UnsubscribeAsync_Returned_NothingMoreIsSent()
    {
        JobEventNotifier notifier = await StartNotifierAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        await notifier.SubscribeAsync("leaver", _tenantId, worker.JobId, 0, CancellationToken.None);
        await notifier.SubscribeAsync("witness", _tenantId, worker.JobId, 0, CancellationToken.None);
        await worker.AppendStepsAsync(2);
        await _hub.WaitForSeqAsync("leaver", worker.JobId, 2);

        await notifier.UnsubscribeAsync("leaver", worker.JobId);
        await worker.AppendStepsAsync(3);
        await _hub.WaitForSeqAsync("witness", worker.JobId, 5);

        Assert.Equal([1, 2], _hub.SeqsSentTo("leaver", worker.JobId));
        await notifier.ConnectionDrainedAsync("leaver", CancellationToken.None);
    }

    [Fact]
    public async Task SubscribeAsync_SameJobAgain_RestartsFromTheNewAfterSeq()
    {
        JobEventNotifier notifier = await StartNotifierAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        await worker.AppendStepsAsync(3);
        await notifier.SubscribeAsync("c1", _tenantId, worker.JobId, 0, CancellationToken.None);
        await _hub.WaitForSeqAsync("c1", worker.JobId, 3);

        await notifier.SubscribeAsync("c1", _tenantId, worker.JobId, 1, CancellationToken.None);
        await worker.AppendStepAsync();
        await _hub.WaitForSeqAsync("c1", worker.JobId, 4);

        Assert.Equal([1, 2, 3, 2, 3, 4], _hub.SeqsSentTo("c1", worker.JobId));
    }

    [Fact]
    public async Task SubscribeAsync_AnotherTenantsJob_SendsNothing()
    {
        JobEventNotifier notifier = await StartNotifierAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        Guid otherTenant = await database.CreateTenantAsync();
        await worker.AppendStepsAsync(2);

        await notifier.SubscribeAsync("intruder", otherTenant, worker.JobId, 0, CancellationToken.None);
        await notifier.SubscribeAsync("witness", _tenantId, worker.JobId, 0, CancellationToken.None);
        await worker.AppendStepAsync();
        await _hub.WaitForSeqAsync("witness", worker.JobId, 3);

        Assert.Empty(_hub.SentTo("intruder"));
    }

    [Fact]
    public async Task SubscribeAsync_ConnectionAborted_SubscriptionIsRemoved()
    {
        JobEventNotifier notifier = await StartNotifierAsync();
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        using var connectionAborted = new CancellationTokenSource();
        await notifier.SubscribeAsync("c1", _tenantId, worker.JobId, 0, connectionAborted.Token);

        await connectionAborted.CancelAsync();

        await notifier.ConnectionDrainedAsync("c1", CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
    }

    [Fact]
    public async Task SubscribeAsync_OverTheConnectionLimit_ReturnsFalse()
    {
        JobEventNotifier notifier = await StartNotifierAsync(new JobsHubOptions { MaxSubscriptionsPerConnection = 2 });
        SimulatedWorker first = await SimulatedWorker.StartAsync(_queue, _tenantId);
        SimulatedWorker second = await SimulatedWorker.StartAsync(_queue, _tenantId);
        SimulatedWorker third = await SimulatedWorker.StartAsync(_queue, _tenantId);

        bool firstAccepted = await notifier.SubscribeAsync("c1", _tenantId, first.JobId, 0, CancellationToken.None);
        bool secondAccepted = await notifier.SubscribeAsync("c1", _tenantId, second.JobId, 0, CancellationToken.None);
        bool thirdAccepted = await notifier.SubscribeAsync("c1", _tenantId, third.JobId, 0, CancellationToken.None);

        Assert.True(firstAccepted);
        Assert.True(secondAccepted);
        Assert.False(thirdAccepted);
    }

    [Fact]
    public async Task SubscribeAsync_ListenerDown_EventsStillArriveByPolling()
    {
        // No LISTEN connection at all: only the poll can find the events.
        JobEventNotifier notifier = await StartNotifierAsync(new JobsHubOptions { PollInterval = TimeSpan.FromMilliseconds(100) }, listen: false);
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        await notifier.SubscribeAsync("c1", _tenantId, worker.JobId, 0, CancellationToken.None);

        await worker.AppendStepsAsync(3);
        await _hub.WaitForSeqAsync("c1", worker.JobId, 3);

        Assert.Equal([1, 2, 3], _hub.SeqsSentTo("c1", worker.JobId));
    }

    [Fact]
    public async Task SubscribeAsync_BeforeTheListenerListens_CatchesUpOnceItDoes()
    {
        var listener = new NotificationListener(database.DataSource);
        JobEventNotifier notifier = await StartNotifierAsync(new JobsHubOptions { PollInterval = TimeSpan.FromHours(1) }, listen: false, listener);
        SimulatedWorker worker = await SimulatedWorker.StartAsync(_queue, _tenantId);
        await worker.AppendStepAsync();
        await notifier.SubscribeAsync("c1", _tenantId, worker.JobId, 0, CancellationToken.None);
        await _hub.WaitForSeqAsync("c1", worker.JobId, 1);
        // Seq 2 lands after the pump's read and before LISTEN: no notification will ever name it.
        await worker.AppendStepAsync();

        await listener.StartAsync(CancellationToken.None);
        await _hub.WaitForSeqAsync("c1", worker.JobId, 2);

        Assert.Equal([1, 2], _hub.SeqsSentTo("c1", worker.JobId));
    }

    private static long[] Sequence(long first, long last)
    {
        return [.. Enumerable.Range(0, (int)(last - first + 1)).Select(offset => first + offset)];
    }

    private async Task<JobEventNotifier> StartNotifierAsync(JobsHubOptions? options = null, bool listen = true, NotificationListener? listener = null)
    {
        // With LISTEN on, polling is pushed out of reach: a lost wake-up then shows as a timeout, not as a slow pass.
        options ??= new JobsHubOptions();
        if (listen && options.PollInterval == new JobsHubOptions().PollInterval)
        {
            options.PollInterval = TimeSpan.FromHours(1);
        }
        listener ??= new NotificationListener(database.DataSource);
        var notifier = new JobEventNotifier(_hub, new JobEventLog(database.DataSource), listener, Options.Create(options));
        if (listen)
        {
            await listener.StartAsync(CancellationToken.None);
            await notifier.ListeningAsync(CancellationToken.None);
        }
        await notifier.StartAsync(CancellationToken.None);
        _cleanup.Add(new Cleanup(async () =>
        {
            await notifier.StopAsync(CancellationToken.None);
            notifier.Dispose();
            await listener.StopAsync(CancellationToken.None);
            listener.Dispose();
        }));
        return notifier;
    }

    private sealed class Cleanup(Func<Task> cleanup) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            await cleanup();
        }
    }

    // The highest seq appended so far, and a way to wait until it reaches a value.
    private sealed class ProgressSignal
    {
        private readonly Lock _lock = new();
        private readonly List<(long Target, TaskCompletionSource<long> Done)> _waiters = [];
        private long _reached;

        public void Report(long seq)
        {
            List<(long, TaskCompletionSource<long>)> done;
            long reached;
            lock (_lock)
            {
                _reached = Math.Max(_reached, seq);
                reached = _reached;
                done = _waiters.FindAll(waiter => waiter.Target <= reached);
                _waiters.RemoveAll(waiter => waiter.Target <= reached);
            }
            done.ForEach(waiter => waiter.Item2.TrySetResult(reached));
        }

        public Task<long> WhenAtLeastAsync(long target)
        {
            lock (_lock)
            {
                if (_reached >= target)
                {
                    return Task.FromResult(_reached);
                }
                var done = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
                _waiters.Add((target, done));
                return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
            }
        }
    }
}
