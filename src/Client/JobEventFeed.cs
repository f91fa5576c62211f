using System.Text.Json.Nodes;
using System.Threading.Channels;
using Microsoft.AspNetCore.SignalR.Client;

namespace FineTune.Client;

/// <summary>
/// One job's events as they happen, from the jobs hub (<c>/hubs/jobs</c>) through the official .NET SignalR client:
/// <c>Subscribe(jobId, afterSeq)</c> replays the stored events after <c>afterSeq</c> and then sends each new one. When the
/// connection drops, the client reconnects and subscribes again from the last seq received, so no event is missed and
/// none is repeated. Events are the JSON of <c>GET /v1/jobs/{id}/events</c> entries.
/// </summary>
public sealed class JobEventFeed : IAsyncDisposable
{
    private readonly HubConnection _connection;
    private readonly Guid _jobId;
    private readonly Channel<JsonObject> _events = Channel.CreateUnbounded<JsonObject>(new UnboundedChannelOptions { SingleReader = true });
    private long _lastSeq;

    private JobEventFeed(HubConnection connection, Guid jobId, long afterSeq)
    {
        _connection = connection;
        _jobId = jobId;
        _lastSeq = afterSeq;
        _connection.On<Guid, JsonObject>("event", OnEvent);
        _connection.Reconnected += _ => _connection.InvokeAsync("Subscribe", _jobId, Interlocked.Read(ref _lastSeq));
        _connection.Closed += error =>
        {
            _events.Writer.TryComplete(new HttpRequestException($"the connection to the jobs hub closed: {error?.Message ?? "by the server"}", error));
            return Task.CompletedTask;
        };
    }

    /// <summary>The seq of the last event received (the <c>afterSeq</c> given when none has arrived yet).</summary>
    public long LastSeq => Interlocked.Read(ref _lastSeq);

    /// <summary>Connects to <c>{baseUrl}/hubs/jobs</c> with the API key and subscribes to the job after <paramref name="afterSeq"/>.</summary>
    /// <param name="baseUrl">The service's base URL, e.g. <c>http://127.0.0.1:8080</c>.</param>
    /// <param name="apiKey">An API key of the job's tenant.</param>
    /// <param name="jobId">The job.</param>
    /// <param name="afterSeq">The last seq already seen; 0 for every event.</param>
    /// <param name="cancellationToken">Cancels connecting and subscribing.</param>
    public static async Task<JobEventFeed> SubscribeAsync(string baseUrl, string apiKey, Guid jobId, long afterSeq, CancellationToken cancellationToken)
    {
        HubConnection connection = new HubConnectionBuilder()
            .WithUrl(new Uri(new Uri(baseUrl.TrimEnd('/') + "/"), "hubs/jobs"), options => options.AccessTokenProvider = () => Task.FromResult<string?>(apiKey))
            .WithAutomaticReconnect()
            .Build();
        var feed = new JobEventFeed(connection, jobId, afterSeq);
        try
        {
            await connection.StartAsync(cancellationToken).ConfigureAwait(false);
            await connection.InvokeAsync("Subscribe", jobId, afterSeq, cancellationToken).ConfigureAwait(false);
            return feed;
        }
        catch
        {
            await feed.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    /// <summary>
    /// The next event, or null when none arrives within <paramref name="quiet"/> (a caller may then ask the REST API
    /// whether the job ended). Throws when the hub connection is closed for good.
    /// </summary>
    /// <param name="quiet">How long to wait for an event.</param>
    /// <param name="cancellationToken">Cancels waiting.</param>
    public async Task<JsonObject?> NextAsync(TimeSpan quiet, CancellationToken cancellationToken)
    {
        if (_events.Reader.TryRead(out JsonObject? ready))
        {
            return ready;
        }
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(quiet);
        try
        {
            return await _events.Reader.ReadAsync(wait.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return null;
        }
        catch (ChannelClosedException closed) when (closed.InnerException is not null)
        {
            throw closed.InnerException;
        }
    }

    /// <summary>An event already received and not yet read, without waiting.</summary>
    /// <param name="jobEvent">The event, when one was waiting.</param>
    public bool TryRead(out JsonObject? jobEvent) => _events.Reader.TryRead(out jobEvent);

    /// <summary>Stops the connection.</summary>
    public async ValueTask DisposeAsync()
    {
        await _connection.DisposeAsync().ConfigureAwait(false);
        _events.Writer.TryComplete();
    }

    private void OnEvent(Guid jobId, JsonObject jobEvent)
    {
        long seq = jobEvent["seq"]?.GetValue<long>() ?? 0;
        // After a reconnect the hub replays from the seq we asked for; anything not newer was already delivered.
        if (jobId != _jobId || seq <= Interlocked.Read(ref _lastSeq))
        {
            return;
        }
        Interlocked.Exchange(ref _lastSeq, seq);
        _events.Writer.TryWrite(jobEvent);
    }
}
