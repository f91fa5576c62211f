using FineTune.Api.Contracts;
using Microsoft.AspNetCore.SignalR;

namespace FineTune.Api.Hubs;

/// <summary>The methods the server calls on a client of <see cref="JobsHub"/>.</summary>
public interface IJobsClient
{
    /// <summary>
    /// One event of a subscribed job, sent as client method <c>event</c> with two arguments: the job ID and the event
    /// (the same JSON as an entry of <c>GET /v1/jobs/{id}/events</c>). For each subscription, events arrive in seq
    /// order with no gaps and no duplicates.
    /// </summary>
    /// <param name="jobId">The job the event belongs to.</param>
    /// <param name="jobEvent">The event.</param>
    [HubMethodName("event")]
    public Task EventAsync(Guid jobId, JobEventDto jobEvent);
}
