using Npgsql;

namespace FineTune.Persistence.Blobs;

/// <summary>
/// A read-only, seekable view of chunked content (a dataset or an artifact). Each read fetches only the chunk that
/// holds the current position, so serving an HTTP Range (ASP.NET's <c>enableRangeProcessing</c> seeks, then reads)
/// touches only the chunks in the range. Holds no connection between reads.
/// </summary>
public sealed class BlobReadStream : Stream
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly string _readChunkSql;
    private readonly Guid _ownerId;
    private readonly int _chunkSizeBytes;
    private byte[] _chunk = [];
    private int _chunkSeq = -1;
    private long _position;

    internal BlobReadStream(NpgsqlDataSource dataSource, string readChunkSql, Guid ownerId, long length, int chunkSizeBytes)
    {
        _dataSource = dataSource;
        _readChunkSql = readChunkSql;
        _ownerId = ownerId;
        Length = length;
        _chunkSizeBytes = chunkSizeBytes;
    }

    /// <inheritdoc />
    public override bool CanRead => true;

    /// <inheritdoc />
    public override bool CanSeek => true;

    /// <inheritdoc />
    public override bool CanWrite => false;

    /// <inheritdoc />
    public override long Length { get; }

    /// <inheritdoc />
    public override long Position
    {
        get => _position;
        set
        {
            ArgumentOutOfRangeException.ThrowIfNegative(value);
            _position = value;
        }
    }

    /// <inheritdoc />
    public override int Read(byte[] buffer, int offset, int count)
    {
        return Read(buffer.AsSpan(offset, count));
    }

    /// <inheritdoc />
    public override int Read(Span<byte> buffer)
    {
        if (buffer.IsEmpty || _position >= Length)
        {
            return 0;
        }
        int seq = (int)(_position / _chunkSizeBytes);
        if (seq != _chunkSeq)
        {
            using NpgsqlCommand command = CreateChunkCommand(seq);
            Accept(seq, command.ExecuteScalar());
        }
        return CopyFromChunk(buffer);
    }

    /// <inheritdoc />
    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken)
    {
        return ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();
    }

    /// <inheritdoc />
    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (buffer.IsEmpty || _position >= Length)
        {
            return 0;
        }
        int seq = (int)(_position / _chunkSizeBytes);
        if (seq != _chunkSeq)
        {
            await using NpgsqlCommand command = CreateChunkCommand(seq);
            Accept(seq, await command.ExecuteScalarAsync(cancellationToken));
        }
        return CopyFromChunk(buffer.Span);
    }

    /// <inheritdoc />
    public override long Seek(long offset, SeekOrigin origin)
    {
        Position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            SeekOrigin.End => Length + offset,
            _ => throw new ArgumentOutOfRangeException(nameof(origin)),
        };
        return _position;
    }

    /// <inheritdoc />
    public override void Flush()
    {
    }

    /// <inheritdoc />
    public override void SetLength(long value)
    {
        throw new NotSupportedException("blob streams are read-only");
    }

    /// <inheritdoc />
    public override void Write(byte[] buffer, int offset, int count)
    {
        throw new NotSupportedException("blob streams are read-only");
    }

    private NpgsqlCommand CreateChunkCommand(int seq)
    {
        NpgsqlCommand command = _dataSource.CreateCommand(_readChunkSql);
        command.Parameters.AddWithValue("owner_id", _ownerId);
        command.Parameters.AddWithValue("seq", seq);
        return command;
    }

    private void Accept(int seq, object? data)
    {
        // A missing chunk means the blob was deleted while being read; returning 0 would look like a clean, short end.
        _chunk = data as byte[] ?? throw new IOException($"chunk {seq} of blob {_ownerId} is missing (deleted while reading?)");
        _chunkSeq = seq;
    }

    private int CopyFromChunk(Span<byte> buffer)
    {
        int offset = (int)(_position % _chunkSizeBytes);
        int count = Math.Min(buffer.Length, _chunk.Length - offset);
        if (count <= 0)
        {
            throw new IOException($"chunk {_chunkSeq} of blob {_ownerId} is shorter than its recorded length");
        }
        _chunk.AsSpan(offset, count).CopyTo(buffer);
        _position += count;
        return count;
    }
}
