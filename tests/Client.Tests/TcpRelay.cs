using System.Collections.Concurrent;
using System.Net;
using System.Net.Sockets;

namespace FineTune.Client.Tests;

/// <summary>
/// A TCP relay in front of the API on 127.0.0.1, so a test can cut every open connection at once (a network drop, seen
/// by both ends as a reset) while new connections still get through.
/// </summary>
internal sealed class TcpRelay : IDisposable
{
    private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
    private readonly Uri _target;
    private readonly ConcurrentDictionary<Socket, byte> _open = new();
    private readonly CancellationTokenSource _stop = new();

    public TcpRelay(Uri target)
    {
        _target = target;
        _listener.Start();
        _ = AcceptLoopAsync();
    }

    /// <summary>The relay's address, e.g. <c>http://127.0.0.1:40123/</c>.</summary>
    public Uri Address => new($"http://127.0.0.1:{((IPEndPoint)_listener.LocalEndpoint).Port}/");

    /// <summary>Resets every connection open now.</summary>
    public void DropAll()
    {
        foreach (Socket socket in _open.Keys)
        {
            socket.LingerState = new LingerOption(true, 0);
            socket.Close();
            _open.TryRemove(socket, out _);
        }
    }

    public void Dispose()
    {
        _stop.Cancel();
        _listener.Stop();
        DropAll();
        _stop.Dispose();
    }

    private async Task AcceptLoopAsync()
    {
        while (!_stop.IsCancellationRequested)
        {
            Socket client;
            try
            {
                client = await _listener.AcceptSocketAsync(_stop.Token);
            }
            catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
            {
                return;
            }
            var server = new Socket(AddressFamily.InterNetwork, SocketType.Stream, ProtocolType.Tcp);
            await server.ConnectAsync(_target.Host, _target.Port);
            _open[client] = 0;
            _open[server] = 0;
            _ = PumpAsync(client, server);
            _ = PumpAsync(server, client);
        }
    }

    private async Task PumpAsync(Socket from, Socket to)
    {
        byte[] buffer = new byte[16 * 1024];
        try
        {
            int read;
            while ((read = await from.ReceiveAsync(buffer, SocketFlags.None, _stop.Token)) > 0)
            {
                await to.SendAsync(buffer.AsMemory(0, read), SocketFlags.None, _stop.Token);
            }
            to.Shutdown(SocketShutdown.Send);
        }
        catch (Exception exception) when (exception is OperationCanceledException or SocketException or ObjectDisposedException)
        {
            // Dropped by the test or closed by an end: the other direction's pump ends the same way.
        }
    }
}
