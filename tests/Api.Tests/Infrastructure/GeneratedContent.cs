using System.Net;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>
/// A large body made on the fly (<paramref name="length"/> copies of <paramref name="fill"/>, then
/// <paramref name="tail"/>), so a test can send 100 MB without holding it; no Content-Length, so it must be refused
/// while it streams. Writing stops quietly when the server stops reading.
/// </summary>
internal sealed class GeneratedContent(long length, byte fill, byte[]? tail = null) : HttpContent
{
    protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
    {
        byte[] block = new byte[64 * 1024];
        Array.Fill(block, fill);
        try
        {
            for (long written = 0; written < length; written += block.Length)
            {
                await stream.WriteAsync(block.AsMemory(0, (int)Math.Min(block.Length, length - written)));
            }
            if (tail is not null)
            {
                await stream.WriteAsync(tail);
            }
        }
        catch (Exception exception) when (exception is IOException or OperationCanceledException or ObjectDisposedException or InvalidOperationException)
        {
            // The server answered (413) and stopped reading: the rest of the body is not wanted.
        }
    }

    protected override bool TryComputeLength(out long length)
    {
        length = 0;
        return false;
    }
}
