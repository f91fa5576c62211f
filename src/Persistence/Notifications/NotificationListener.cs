using System.Collections.Immutable;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;

namespace FineTune.Persistence.Notifications;

/// <summary>
/// Holds one connection that LISTENs on every <see cref="NotificationChannels"/> channel and hands notifications to
/// subscribers. It reconnects after any failure; because notifications sent meanwhile are lost, each subscriber then
/// gets <see cref="MissedNotifications"/> and must re-read what it watches.
/// </summary>
public sealed class NotificationListener : BackgroundService
{
    /// <summary>The payload subscribers receive after a reconnect: some notifications may have been missed.</summary>
    public const string MissedNotifications = "";

    // WaitAsync alone would block forever on a connection that died silently; a probe every so often notices it.
    private static readonly TimeSpan s_probeInterval = TimeSpan.FromSeconds(30);

    private readonly NpgsqlDataSource _dataSource;
    private readonly ILogger _logger;
    private readonly TimeSpan _reconnectDelay;
    private readonly TaskCompletionSource _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private ImmutableList<(string Channel, Action<string> Handler)> _subscriptions = [];

    /// <summary>Creates a listener; it starts listening when the host starts it (or <c>StartAsync</c>).</summary>
    /// <param name="dataSource">A data source from <see cref="FineTuneDataSource.Create"/>.</param>
    /// <param name="logger">Receives connection failures.</param>
    /// <param name="reconnectDelay">The pause before reconnecting (default 1 s).</param>
    public NotificationListener(NpgsqlDataSource dataSource, ILogger<NotificationListener>? logger = null, TimeSpan? reconnectDelay = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _logger = logger ?? NullLogger<NotificationListener>.Instance;
        _reconnectDelay = reconnectDelay ?? TimeSpan.FromSeconds(1);
    }

    /// <summary>Test and readiness signal: completes once LISTEN is active for the first time.</summary>
    public Task ListeningAsync(CancellationToken cancellationToken)
    {
        return _listening.Task.WaitAsync(cancellationToken);
    }

    /// <summary>
    /// Calls <paramref name="handler"/> with the payload of each notification on <paramref name="channel"/> until the
    /// returned handle is disposed. Handlers run on the listener's loop: keep them short and non-blocking.
    /// </summary>
    public IDisposable Subscribe(string channel, Action<string> handler)
    {
        ArgumentException.ThrowIfNullOrEmpty(channel);
        ArgumentNullException.ThrowIfNull(handler);
        if (!NotificationChannels.All.Contains(channel))
        {
            throw new ArgumentException($"'{channel}' is not one of NotificationChannels.All", nameof(channel));
        }
        (string, Action<string>) subscription = (channel, handler);
        ImmutableInterlocked.Update(ref _subscriptions, list => list.Add(subscription));
        return new Unsubscriber(() => ImmutableInterlocked.Update(ref _subscriptions, list => list.Remove(subscription)));
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        bool reconnecting = false;
        while (!stoppingToken.IsCancellationRequested)
        {
            try
            {
                await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(stoppingToken);
                connection.Notification += (_, notification) => Publish(notification.Channel, notification.Payload);
                string listen = string.Concat(NotificationChannels.All.Select(channel => $"LISTEN {channel};"));
                await using (var command = new NpgsqlCommand(listen, connection))
                {
                    await command.ExecuteNonQueryAsync(stoppingToken);
                }
                _listening.TrySetResult();
                if (reconnecting)
                {
                    foreach (string channel in NotificationChannels.All)
                    {
                        Publish(channel, MissedNotifications);
                    }
                }
                while (true)
                {
                    if (!await connection.WaitAsync(s_probeInterval, stoppingToken))
                    {
                        await using var probe = new NpgsqlCommand("SELECT 1", connection);
                        await probe.ExecuteNonQueryAsync(stoppingToken);
                    }
                }
            }
            catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
            {
                return;
            }
            catch (Exception exception)
            {
                _logger.LogWarning(exception, "LISTEN connection failed; reconnecting in {Delay}", _reconnectDelay);
                reconnecting = true;
                try
                {
                    await Task.Delay(_reconnectDelay, stoppingToken);
                }
                catch (OperationCanceledException)
                {
                    return;
                }
            }
        }
    }

    private void Publish(string channel, string payload)
    {
        foreach ((string subscribed, Action<string> handler) in _subscriptions)
        {
            if (subscribed != channel)
            {
                continue;
            }
            try
            {
                handler(payload);
            }
            catch (Exception exception)
            {
                // One faulty subscriber must not take the others (or the connection) down with it.
                _logger.LogError(exception, "Notification handler for {Channel} failed", channel);
            }
        }
    }

    private sealed class Unsubscriber(Action unsubscribe) : IDisposable
    {
        private Action? _unsubscribe = unsubscribe;

        public void Dispose()
        {
            Interlocked.Exchange(ref _unsubscribe, null)?.Invoke();
        }
    }
}
