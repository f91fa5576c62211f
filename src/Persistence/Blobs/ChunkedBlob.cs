using System.Buffers;
using System.Security.Cryptography;
using Npgsql;
using NpgsqlTypes;

namespace FineTune.Persistence.Blobs;

/// <summary>
/// Streams content into chunk rows of a fixed size, hashing as it goes. Every chunk but the last is exactly
/// <c>chunkSizeBytes</c> long, which is what lets <see cref="BlobReadStream"/> find byte <c>n</c> in chunk
/// <c>n / chunkSizeBytes</c> without reading the others.
/// </summary>
internal static class ChunkedBlob
{
    /// <summary>Writes <paramref name="content"/> to the end and returns its length and SHA-256.</summary>
    public static async Task<(long SizeBytes, byte[] Sha256)> WriteChunksAsync(
        NpgsqlConnection connection,
        NpgsqlTransaction transaction,
        string insertChunkSql,
        Guid ownerId,
        Stream content,
        int chunkSizeBytes,
        CancellationToken cancellationToken)
    {
        using IncrementalHash hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        byte[] buffer = ArrayPool<byte>.Shared.Rent(chunkSizeBytes);
        try
        {
            await using var command = new NpgsqlCommand(insertChunkSql, connection, transaction);
            command.Parameters.AddWithValue("owner_id", ownerId);
            var seq = new NpgsqlParameter<int>("seq", 0);
            command.Parameters.Add(seq);
            var data = new NpgsqlParameter<ReadOnlyMemory<byte>>("data", NpgsqlDbType.Bytea);
            command.Parameters.Add(data);
            long size = 0;
            while (true)
            {
                int filled = await content.ReadAtLeastAsync(buffer.AsMemory(0, chunkSizeBytes), chunkSizeBytes, throwOnEndOfStream: false, cancellationToken);
                if (filled == 0)
                {
                    break;
                }
                hash.AppendData(buffer, 0, filled);
                data.TypedValue = buffer.AsMemory(0, filled);
                await command.ExecuteNonQueryAsync(cancellationToken);
                seq.TypedValue++;
                size += filled;
                if (filled < chunkSizeBytes)
                {
                    break;
                }
            }
            return (size, hash.GetHashAndReset());
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
        }
    }
}
