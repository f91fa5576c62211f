using System.Globalization;
using System.Text.Json.Nodes;
using FineTune.Api.Contracts;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Notifications;

namespace FineTune.Api.Hubs;

/// <summary>The sending side of <see cref="JobEventNotifier"/>: notifications wake pumps, pumps read and send.</summary>
public sealed partial class JobEventNotifier
{
    private void OnJobEvent(string payload)
    {
        if (payload == NotificationListener.MissedNotifications)
        {
            lock (_lock)
            {
                foreach (List<JobEventSubscription> subscribers in _byJob.Values)
                {
                    subscribers.ForEach(subscription => subscription.Wake(0));
                }
            }
            return;
        }
        int colon = payload.LastIndexOf(':');
        if (colon < 0
            || !Guid.TryParse(payload.AsSpan(0, colon), out Guid jobId)
            || !long.TryParse(payload.AsSpan(colon + 1), NumberStyles.None, CultureInfo.InvariantCulture, out long seq))
        {
            _logger.LogWarning("Ignoring malformed {Channel} payload '{Payload}'", NotificationChannels.JobEvents, payload);
            return;
        }
        lock (_lock)
        {
            if (_byJob.TryGetValue(jobId, out List<JobEventSubscription>? subscribers))
            {
                subscribers.ForEach(subscription => subscription.Wake(seq));
            }
        }
    }

    private async Task WakeAllWhenListeningAsync()
    {
        // A pump that read before LISTEN was active could have missed an event appended in between, and no
        // notification would tell it; once LISTEN is active, one more read of every pump covers that window.
        try
        {
            await _listener.ListeningAsync(_stopping.Token);
        }
        catch (OperationCanceledException)
        {
            return;
        }
        OnJobEvent(NotificationListener.MissedNotifications);
    }

    private async Task PumpAsync(JobEventSubscription subscription)
    {
        // Leave the hub invocation (and the registry lock) before doing any work.
        await Task.Yield();
        CancellationToken cancellationToken = subscription.Stopping;
        try
        {
            while (true)
            {
                subscription.ClearWake();
                try
                {
                    await SendNewEventsAsync(subscription, cancellationToken);
                }
                catch (Exception exception) when (!cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning(exception, "Sending events of job {JobId} to connection {ConnectionId} failed; retrying after seq {Seq}",
                        subscription.JobId, subscription.ConnectionId, subscription.LastDeliveredSeq);
                    await Task.Delay(_options.RetryDelay, _timeProvider, cancellationToken);
                    continue;
                }
                await subscription.WaitForWakeAsync(_options.PollInterval, _timeProvider, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // Unsubscribed, disconnected or stopping.
        }
        catch (Exception exception)
        {
            _logger.LogError(exception, "The event pump of job {JobId} for connection {ConnectionId} failed", subscription.JobId, subscription.ConnectionId);
        }
        finally
        {
            bool removedHere;
            lock (_lock)
            {
                removedHere = Remove(subscription);
            }
            if (removedHere)
            {
                // Nobody else holds it now (see JobEventSubscription.StopAsync), so this pump disposes it.
                subscription.Dispose();
            }
        }
    }

    private async Task SendNewEventsAsync(JobEventSubscription subscription, CancellationToken cancellationToken)
    {
        IJobsClient client = _hubContext.Clients.Client(subscription.ConnectionId);
        while (true)
        {
            IReadOnlyList<JobEvent> events = await _eventLog.ReadEventsAsync(
                subscription.TenantId, subscription.JobId, subscription.LastDeliveredSeq, _options.PageSize, cancellationToken);
            foreach (JobEvent jobEvent in events)
            {
                if (jobEvent.Seq != subscription.LastDeliveredSeq + 1)
                {
                    // Only a client's afterSeq past the end, or a broken log invariant, can get here; order still holds.
                    _logger.LogWarning("Job {JobId}: sending seq {Seq} after seq {Last}", subscription.JobId, jobEvent.Seq, subscription.LastDeliveredSeq);
                }
                cancellationToken.ThrowIfCancellationRequested();
                await client.EventAsync(subscription.JobId, ToDto(jobEvent));
                subscription.MarkDelivered(jobEvent.Seq);
            }
            if (events.Count < _options.PageSize)
            {
                return;
            }
        }
    }

    private static JobEventDto ToDto(JobEvent jobEvent)
    {
        return new JobEventDto(
            jobEvent.Seq, jobEvent.Type, JsonNode.Parse(jobEvent.Payload), jobEvent.Attempt, jobEvent.CreatedAt.ToUnixTimeSeconds());
    }
}
