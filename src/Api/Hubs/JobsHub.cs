using FineTune.Api.Auth;
using FineTune.Persistence.Queue;
using Microsoft.AspNetCore.SignalR;

namespace FineTune.Api.Hubs;

/// <summary>
/// The jobs hub at <c>/hubs/jobs</c> (API key required). A client calls <c>Subscribe(jobId, afterSeq)</c> and then
/// receives, as client method <c>event</c>, every stored event of the job after <c>afterSeq</c> followed by each new
/// one, in seq order with no gaps or duplicates; <c>Unsubscribe(jobId)</c> stops them. A reconnecting client
/// subscribes again with the last seq it received and misses nothing. The hub only manages subscriptions;
/// <see cref="JobEventNotifier"/> does all sending.
/// </summary>
/// <remarks>Hub methods are named for the wire (<c>Subscribe</c>), and take the connection's token, not a parameter.</remarks>
public sealed class JobsHub(JobQueue queue, JobEventNotifier notifier) : Hub<IJobsClient>
{
    /// <summary>
    /// Subscribes this connection to a job of the caller's tenant. Fails with "job ... not found" when the tenant has
    /// no such job, whether or not another tenant does.
    /// </summary>
    /// <param name="jobId">The job.</param>
    /// <param name="afterSeq">The last seq the client already has; 0 for the whole log.</param>
    [HubMethodName("Subscribe")]
    public async Task SubscribeAsync(Guid jobId, long afterSeq)
    {
        if (afterSeq < 0)
        {
            throw new HubException("afterSeq must be 0 or more");
        }
        Guid tenantId = Context.User!.TenantId();
        if (await queue.GetAsync(tenantId, jobId, Context.ConnectionAborted) is null)
        {
            throw new HubException($"job {jobId} not found");
        }
        if (!await notifier.SubscribeAsync(Context.ConnectionId, tenantId, jobId, afterSeq, Context.ConnectionAborted))
        {
            throw new HubException("too many subscriptions on this connection; unsubscribe from a job first");
        }
    }

    /// <summary>Stops this connection's events of a job; no-op when it is not subscribed.</summary>
    /// <param name="jobId">The job.</param>
    [HubMethodName("Unsubscribe")]
    public Task UnsubscribeAsync(Guid jobId)
    {
        return notifier.UnsubscribeAsync(Context.ConnectionId, jobId);
    }

    /// <inheritdoc />
    public override async Task OnDisconnectedAsync(Exception? exception)
    {
        await notifier.RemoveConnectionAsync(Context.ConnectionId);
        await base.OnDisconnectedAsync(exception);
    }
}
