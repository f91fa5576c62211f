using FineTune.Api.Contracts;
using FineTune.Api.Hubs;
using Microsoft.AspNetCore.SignalR;

namespace FineTune.Api.Tests.Hubs;

/// <summary>
/// Stands in for SignalR's hub context in <see cref="JobEventNotifier"/> tests: records what each connection was sent,
/// in order, and fails if two sends to the same (connection, job) ever overlap (the notifier promises one sender).
/// </summary>
internal sealed class RecordingHubContext : IHubContext<JobsHub, IJobsClient>
{
    private readonly Lock _lock = new();
    private readonly Dictionary<string, List<(Guid JobId, long Seq)>> _sent = new(StringComparer.Ordinal);
    private readonly List<(Func<bool> Condition, TaskCompletionSource Done)> _waiters = [];
    private readonly HashSet<(string, Guid)> _sending = [];

    public RecordingHubContext()
    {
        Clients = new RecordingClients(this);
    }

    public IHubClients<IJobsClient> Clients { get; }

    public IGroupManager Groups => throw new NotSupportedException("the notifier does not use groups");

    /// <summary>Overlapping sends to one (connection, job) seen so far; must stay 0.</summary>
    public int OverlappingSends { get; private set; }

    /// <summary>The (job, seq) pairs sent to a connection so far, in order.</summary>
    public IReadOnlyList<(Guid JobId, long Seq)> SentTo(string connectionId)
    {
        lock (_lock)
        {
            return _sent.TryGetValue(connectionId, out List<(Guid, long)>? sent) ? [.. sent] : [];
        }
    }

    /// <summary>The seqs of <paramref name="jobId"/> sent to a connection so far, in order.</summary>
    public IReadOnlyList<long> SeqsSentTo(string connectionId, Guid jobId)
    {
        return [.. SentTo(connectionId).Where(sent => sent.JobId == jobId).Select(sent => sent.Seq)];
    }

    /// <summary>Completes once <paramref name="connectionId"/> has been sent <paramref name="seq"/> of the job.</summary>
    public Task WaitForSeqAsync(string connectionId, Guid jobId, long seq)
    {
        TaskCompletionSource done = new(TaskCreationOptions.RunContinuationsAsynchronously);
        Func<bool> condition = () => _sent.TryGetValue(connectionId, out List<(Guid JobId, long Seq)>? sent)
            && sent.Exists(item => item.JobId == jobId && item.Seq >= seq);
        lock (_lock)
        {
            if (condition())
            {
                return Task.CompletedTask;
            }
            _waiters.Add((condition, done));
        }
        return done.Task.WaitAsync(TimeSpan.FromSeconds(30));
    }

    private async Task RecordAsync(string connectionId, Guid jobId, JobEventDto jobEvent)
    {
        lock (_lock)
        {
            if (!_sending.Add((connectionId, jobId)))
            {
                OverlappingSends++;
            }
        }
        // A real send completes later than it starts; yielding here widens any window for reordering.
        await Task.Yield();
        List<TaskCompletionSource> done = [];
        lock (_lock)
        {
            _sending.Remove((connectionId, jobId));
            if (!_sent.TryGetValue(connectionId, out List<(Guid, long)>? sent))
            {
                sent = [];
                _sent.Add(connectionId, sent);
            }
            sent.Add((jobId, jobEvent.Seq));
            _waiters.RemoveAll(waiter =>
            {
                if (!waiter.Condition())
                {
                    return false;
                }
                done.Add(waiter.Done);
                return true;
            });
        }
        done.ForEach(waiter => waiter.TrySetResult());
    }

    private sealed class RecordingClients(RecordingHubContext owner) : IHubClients<IJobsClient>
    {
        public IJobsClient All => throw new NotSupportedException();

        public IJobsClient Client(string connectionId)
        {
            return new Proxy(owner, connectionId);
        }

        public IJobsClient AllExcept(IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();

        public IJobsClient Clients(IReadOnlyList<string> connectionIds) => throw new NotSupportedException();

        public IJobsClient Group(string groupName) => throw new NotSupportedException();

        public IJobsClient GroupExcept(string groupName, IReadOnlyList<string> excludedConnectionIds) => throw new NotSupportedException();

        public IJobsClient Groups(IReadOnlyList<string> groupNames) => throw new NotSupportedException();

        public IJobsClient User(string userId) => throw new NotSupportedException();

        public IJobsClient Users(IReadOnlyList<string> userIds) => throw new NotSupportedException();
    }

    private sealed class Proxy(RecordingHubContext owner, string connectionId) : IJobsClient
    {
        public Task EventAsync(Guid jobId, JobEventDto jobEvent)
        {
            return owner.RecordAsync(connectionId, jobId, jobEvent);
        }
    }
}
