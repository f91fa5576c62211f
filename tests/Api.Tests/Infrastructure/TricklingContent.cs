using System.Net;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>
/// A request body sent a few bytes at a time with pauses, as a slow or hostile client sends it; no Content-Length, so
/// the server cannot refuse it up front. It stops when <paramref name="stop"/> is cancelled.
/// </summary>
internal sealed class TricklingContent(byte[] bytes, int bytesPerWrite, TimeSpan pause, CancellationToken stop) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        for (int offset = 0; offset < bytes.Length; offset += bytesPerWrite)
        {
            await stream.WriteAsync(bytes.AsMemory(offset, Math.Min(bytesPerWrite, bytes.Length - offset)), stop);
            await stream.FlushAsync(stop);
            await Task.Delay(pause, stop);
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
