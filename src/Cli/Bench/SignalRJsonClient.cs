using System.Buffers;
using System.Collections.Concurrent;
using System.Diagnostics;
using System.Net.WebSockets;
using System.Text;
using System.Text.Json;

namespace FineTune.Cli.Bench;

/// <summary>
/// The smallest SignalR client the service benchmark needs: the JSON hub protocol over one WebSocket, connected
/// directly (no negotiate request; the server accepts a WebSocket without a connection ID), invocations with a
/// completion, ping answers, and a callback for each invocation the server sends. The .NET client package is not
/// available here, and a thousand of these must be cheap, so this is written against the protocol itself
/// (https://github.com/dotnet/aspnetcore/blob/main/src/SignalR/docs/specs/HubProtocol.md).
/// </summary>
internal sealed class SignalRJsonClient : IAsyncDisposable
{
    private const byte RecordSeparator = 0x1e;
    private const int InvocationType = 1;
    private const int CompletionType = 3;
    private const int PingType = 6;
    private const int CloseType = 7;
    private static readonly byte[] s_handshake = Encoding.UTF8.GetBytes("{\"protocol\":\"json\",\"version\":1}\u001e");
    private static readonly byte[] s_ping = Encoding.UTF8.GetBytes("{\"type\":6}\u001e");

    private readonly ClientWebSocket _socket = new();
    private readonly SemaphoreSlim _sendLock = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource> _pending = new(StringComparer.Ordinal);
    private readonly ArrayBufferWriter<byte> _incoming = new();
    private readonly Action<string, JsonElement, long> _onInvocation;
    private int _nextInvocationId;
    private long _lastFrameAt;
    private Task _receiving = Task.CompletedTask;

    /// <summary>Creates a client; <paramref name="onInvocation"/> gets each server invocation's target, arguments
    /// and the <see cref="Stopwatch"/> timestamp at which the frame carrying it had been read.</summary>
    public SignalRJsonClient(Action<string, JsonElement, long> onInvocation)
    {
        ArgumentNullException.ThrowIfNull(onInvocation);
        _onInvocation = onInvocation;
    }

    /// <summary>Opens the WebSocket to <paramref name="hubUrl"/> (http or https), sends the handshake and waits for its answer.</summary>
    public async Task ConnectAsync(Uri hubUrl, string accessToken, CancellationToken cancellationToken)
    {
        var socketUrl = new UriBuilder(hubUrl)
        {
            Scheme = hubUrl.Scheme == Uri.UriSchemeHttps ? "wss" : "ws",
            Query = "access_token=" + Uri.EscapeDataString(accessToken),
        };
        await _socket.ConnectAsync(socketUrl.Uri, cancellationToken);
        await SendAsync(s_handshake, cancellationToken);
        // The handshake answer is the first record: {} on success, {"error":"..."} otherwise.
        (byte[] answer, _) = await ReadRecordAsync(cancellationToken)
            ?? throw new WebSocketException("the hub closed the connection during the handshake");
        using JsonDocument handshake = JsonDocument.Parse(answer);
        if (handshake.RootElement.TryGetProperty("error", out JsonElement error))
        {
            throw new WebSocketException($"the hub refused the handshake: {error.GetString()}");
        }
        _receiving = ReceiveLoopAsync();
    }

    /// <summary>Calls a hub method and waits for its completion; a completion carrying an error throws it.</summary>
    public async Task InvokeAsync(string target, object[] arguments, CancellationToken cancellationToken)
    {
        string id = Interlocked.Increment(ref _nextInvocationId).ToString(System.Globalization.CultureInfo.InvariantCulture);
        var completion = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _pending[id] = completion;
        byte[] message = JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
        {
            ["type"] = InvocationType,
            ["invocationId"] = id,
            ["target"] = target,
            ["arguments"] = arguments,
        });
        await SendAsync([.. message, RecordSeparator], cancellationToken);
        await completion.Task.WaitAsync(cancellationToken);
    }

    /// <summary>Closes the WebSocket politely (close frame both ways) and waits for the receive loop to end.</summary>
    public async Task CloseAsync(CancellationToken cancellationToken)
    {
        if (_socket.State == WebSocketState.Open)
        {
            await _socket.CloseOutputAsync(WebSocketCloseStatus.NormalClosure, null, cancellationToken);
        }
        await _receiving.WaitAsync(cancellationToken);
    }

    public async ValueTask DisposeAsync()
    {
        _socket.Abort();
        try
        {
            await _receiving;
        }
        catch (Exception)
        {
            // Aborting ends the loop with an error; nothing is waiting for it any more.
        }
        _socket.Dispose();
        _sendLock.Dispose();
    }

    private async Task ReceiveLoopAsync()
    {
        try
        {
            while (await ReadRecordAsync(CancellationToken.None) is (byte[] record, long receivedAt))
            {
                if (!Dispatch(record, receivedAt))
                {
                    break;
                }
            }
        }
        catch (WebSocketException) when (_socket.State is WebSocketState.Aborted or WebSocketState.Closed)
        {
            // Disposed or dropped: the caller sees the missing messages.
        }
        finally
        {
            foreach (TaskCompletionSource pending in _pending.Values)
            {
                pending.TrySetException(new WebSocketException("the hub connection closed before the invocation completed"));
            }
        }
    }

    // Handles one hub message; false when the server closed the connection.
    private bool Dispatch(byte[] record, long receivedAt)
    {
        using JsonDocument document = JsonDocument.Parse(record);
        JsonElement message = document.RootElement;
        switch (message.GetProperty("type").GetInt32())
        {
            case InvocationType:
                _onInvocation(message.GetProperty("target").GetString()!, message.GetProperty("arguments"), receivedAt);
                return true;
            case CompletionType:
                string id = message.GetProperty("invocationId").GetString()!;
                if (_pending.TryRemove(id, out TaskCompletionSource? completion))
                {
                    if (message.TryGetProperty("error", out JsonElement error))
                    {
                        completion.TrySetException(new InvalidOperationException($"hub invocation failed: {error.GetString()}"));
                    }
                    else
                    {
                        completion.TrySetResult();
                    }
                }
                return true;
            case PingType:
                // Answering keeps the server's client-timeout (30 s without a message) from dropping a quiet client.
                _ = AnswerPingAsync();
                return true;
            case CloseType:
                return false;
            default:
                return true;
        }
    }

    // The next whole record (without its separator) and when the last frame was read (for a record that arrived with
    // an earlier one, a little late, never early); null once the server closed the socket.
    private async Task<(byte[] Record, long ReceivedAt)?> ReadRecordAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            int end = _incoming.WrittenSpan.IndexOf(RecordSeparator);
            if (end >= 0)
            {
                byte[] record = _incoming.WrittenSpan[..end].ToArray();
                byte[] rest = _incoming.WrittenSpan[(end + 1)..].ToArray();
                _incoming.Clear();
                _incoming.Write(rest);
                return (record, _lastFrameAt);
            }
            ValueWebSocketReceiveResult received = await _socket.ReceiveAsync(_incoming.GetMemory(4096), cancellationToken);
            _lastFrameAt = Stopwatch.GetTimestamp();
            if (received.MessageType == WebSocketMessageType.Close)
            {
                return null;
            }
            _incoming.Advance(received.Count);
        }
    }

    private async Task AnswerPingAsync()
    {
        try
        {
            await SendAsync(s_ping, CancellationToken.None);
        }
        catch (Exception exception) when (exception is WebSocketException or ObjectDisposedException or OperationCanceledException)
        {
            // The connection is going away; a missed ping answer no longer matters.
        }
    }

    private async Task SendAsync(byte[] bytes, CancellationToken cancellationToken)
    {
        // A WebSocket allows one send at a time; a ping answer may race an invocation.
        await _sendLock.WaitAsync(cancellationToken);
        try
        {
            await _socket.SendAsync(bytes, WebSocketMessageType.Text, endOfMessage: true, cancellationToken);
        }
        finally
        {
            _sendLock.Release();
        }
    }
}
