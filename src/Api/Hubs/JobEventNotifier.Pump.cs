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
            // The caches learn the seq before the pumps wake, so a woken pump knows what to read up to.
            foreach (KeyValuePair<(Guid TenantId, Guid JobId), JobEventCache> cache in _caches.Where(c => c.Key.JobId == jobId))
            {
                cache.Value.Notify(seq);
            }
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
        JobEventCache cache = CacheOf(subscription);
        bool readLog = subscription.TakeMustReadLog();
        while (true)
        {
            IReadOnlyList<JobEvent> events = await cache.ReadAfterAsync(subscription.LastDeliveredSeq, _options.PageSize, readLog, cancellationToken);
            readLog = false;
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
                _metrics?.EventDelivered(jobEvent.CreatedAt, subscription.SubscribedAt, _timeProvider.GetUtcNow());
            }
            // Done once everything announced is delivered; a short page served from memory may not be everything.
            if (events.Count == 0 || (events.Count < _options.PageSize && subscription.LastDeliveredSeq >= cache.KnownSeq))
            {
                return;
            }
        }
    }

    /// <summary>The event cache shared by the subscriptions of this tenant to this job.</summary>
    private JobEventCache CacheOf(JobEventSubscription subscription)
    {
        lock (_lock)
        {
            (Guid, Guid) key = (subscription.TenantId, subscription.JobId);
            if (!_caches.TryGetValue(key, out JobEventCache? cache))
            {
                cache = new JobEventCache(_eventLog, subscription.TenantId, subscription.JobId, Math.Max(_options.PageSize, 1024));
                _caches.Add(key, cache);
            }
            return cache;
        }
    }

    private static JobEventDto ToDto(JobEvent jobEvent)
    {
        return new JobEventDto(
            jobEvent.Seq, jobEvent.Type, JsonNode.Parse(jobEvent.Payload), jobEvent.Attempt, jobEvent.CreatedAt.ToUnixTimeSeconds());
    }
}
