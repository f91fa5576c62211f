using System.Net;
using System.Net.Sockets;

namespace FineTune.Client.Tests;

public sealed class FineTuneClientReachTests
{
    [Fact]
    public async Task ServiceNotListening_TheErrorNamesTheUrlItTried()
    {
        // A port that was free a moment ago: nothing listens there.
        using var probe = new TcpListener(IPAddress.Loopback, 0);
        probe.Start();
        int port = ((IPEndPoint)probe.LocalEndpoint).Port;
        probe.Stop();
        using var client = new FineTuneClient($"http://127.0.0.1:{port}", "ft_test");

        var error = await Assert.ThrowsAsync<HttpRequestException>(() => client.ListJobsAsync(CancellationToken.None));

        Assert.StartsWith($"cannot reach FineTune at http://127.0.0.1:{port}/: ", error.Message, StringComparison.Ordinal);
        Assert.Contains("FINETUNE_URL", error.Message, StringComparison.Ordinal);
        Assert.Null(error.StatusCode);
    }
}
