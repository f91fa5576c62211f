using FineTune.Text.Data;

namespace FineTune.Api.Datasets;

/// <summary>
/// A read-only pass-through over an upload body: every byte read is also fed to a <see cref="DatasetReader"/>, so
/// the file is validated in the same single pass that stores it. Reading stops with
/// <see cref="DatasetTooLargeException"/> past the size limit or a line past the line limit, and with <see cref="DatasetRejectedException"/> once the
/// reader has found as many errors as it reports, since the upload is lost anyway and storing the rest would be waste.
/// Either exception rolls the store's transaction back.
/// </summary>
internal sealed class ValidatingUploadStream(Stream inner, DatasetReader reader, long maxBytes, int maxLineBytes, int maxErrors) : Stream
{
    private long _position;

    public override bool CanRead => true;

    public override bool CanSeek => false;

    public override bool CanWrite => false;

    public override long Length => throw new NotSupportedException();

    public override long Position
    {
        get => _position;
        set => throw new NotSupportedException();
    }

    public override int Read(byte[] buffer, int offset, int count)
    {
        // ASP.NET Core request bodies refuse synchronous reads; the chunk writer reads asynchronously.
        throw new NotSupportedException("read the upload asynchronously");
    }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        int read = await inner.ReadAsync(buffer, cancellationToken);
        if (read == 0)
        {
            return 0;
        }
        _position += read;
        if (_position > maxBytes)
        {
            throw new DatasetTooLargeException(maxBytes);
        }
        reader.Append(buffer.Span[..read]);
        if (reader.LineTooLong is int line)
        {
            throw new DatasetTooLargeException(maxLineBytes, line);
        }
        if (reader.ErrorCount >= maxErrors)
        {
            throw new DatasetRejectedException(reader.Complete(), stoppedEarly: true);
        }
        return read;
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    public override void Flush()
    {
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
