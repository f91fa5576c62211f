using System.Diagnostics;
using System.Net.Http.Headers;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>Uploads that trickle in as a slow or hostile client sends them, and waiting on the server's count of them.</summary>
internal static class TrickledUploads
{
    /// <summary>Posts <paramref name="body"/> as a dataset at 15 bytes every 50 ms (the reliability probe's 300 B/s)
    /// until it is sent or <paramref name="stop"/> ends it.</summary>
    public static async Task TrickleAsync(HttpClient client, byte[] body, CancellationToken stop)
    {
        using var content = new TricklingContent(body, bytesPerWrite: 15, TimeSpan.FromMilliseconds(50), stop);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/jsonl");
        try
        {
            using HttpResponseMessage response = await client.PostAsync(new Uri("/v1/datasets?name=slow.jsonl", UriKind.Relative), content, stop);
        }
        catch (Exception exception) when (exception is OperationCanceledException or HttpRequestException or IOException)
        {
            // The tests end every trickle by cancelling it.
        }
    }

    /// <summary>Polls <paramref name="condition"/> every 50 ms; fails the test when it is not true within <paramref name="timeout"/>.</summary>
    public static async Task WaitUntilAsync(Func<bool> condition, TimeSpan timeout)
    {
        var watch = Stopwatch.StartNew();
        while (!condition())
        {
            Assert.True(watch.Elapsed < timeout, $"not reached within {timeout}");
            await Task.Delay(50);
        }
    }
}
