using FineTune.Persistence.Entities;
using Npgsql;
using NpgsqlTypes;

namespace FineTune.Persistence.Blobs;

/// <summary>
/// Stores uploaded datasets in Postgres as chunk rows, streaming both ways. An upload is one transaction: chunks
/// first, the dataset row last, so a failed or rejected upload leaves nothing behind and a visible dataset is always
/// complete. Every lookup is scoped by tenant.
/// </summary>
public sealed class DatasetStore
{
    /// <summary>The default chunk size: 1 MiB, small enough to buffer, large enough that a row's overhead vanishes.</summary>
    public const int DefaultChunkSizeBytes = 1 << 20;

    private static readonly string s_insertChunkSql = SqlResource.Load("Blobs/Sql/dataset_insert_chunk.sql");
    private static readonly string s_readChunkSql = SqlResource.Load("Blobs/Sql/dataset_read_chunk.sql");
    private static readonly string s_insertSql = SqlResource.Load("Blobs/Sql/dataset_insert.sql");
    private static readonly string s_getSql = SqlResource.Load("Blobs/Sql/dataset_get.sql");
    private static readonly string s_deleteSql = SqlResource.Load("Blobs/Sql/dataset_delete.sql");

    private readonly NpgsqlDataSource _dataSource;
    private readonly int _chunkSizeBytes;

    /// <summary>Creates the store.</summary>
    /// <param name="dataSource">A data source from <see cref="FineTuneDataSource.Create"/>.</param>
    /// <param name="chunkSizeBytes">Bytes per chunk row for new uploads (tests use small chunks).</param>
    public DatasetStore(NpgsqlDataSource dataSource, int chunkSizeBytes = DefaultChunkSizeBytes)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSizeBytes, 1);
        _dataSource = dataSource;
        _chunkSizeBytes = chunkSizeBytes;
    }

    /// <summary>
    /// Streams <paramref name="content"/> into a new dataset. <paramref name="describe"/> runs after the last byte was
    /// read and before the commit: a validator that watched the stream returns the format and record count, or throws
    /// to reject the file, which rolls everything back.
    /// </summary>
    public async Task<Dataset> CreateAsync(DatasetUpload upload, Stream content, Func<DatasetDescription>? describe, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(upload);
        ArgumentNullException.ThrowIfNull(content);
        ArgumentException.ThrowIfNullOrWhiteSpace(upload.FileName, nameof(upload));
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        (long size, byte[] sha256) = await ChunkedBlob.WriteChunksAsync(
            connection, transaction, s_insertChunkSql, upload.Id, content, _chunkSizeBytes, cancellationToken);
        DatasetDescription description = describe?.Invoke() ?? new DatasetDescription(null, null);
        Dataset dataset;
        await using (var command = new NpgsqlCommand(s_insertSql, connection, transaction))
        {
            command.Parameters.AddWithValue("id", upload.Id);
            command.Parameters.AddWithValue("tenant_id", upload.TenantId);
            command.Parameters.AddWithValue("file_name", upload.FileName);
            command.Parameters.AddWithValue("purpose", upload.Purpose);
            command.Parameters.Add(new NpgsqlParameter("format", NpgsqlDbType.Text) { Value = (object?)description.Format ?? DBNull.Value });
            command.Parameters.Add(new NpgsqlParameter("record_count", NpgsqlDbType.Bigint) { Value = (object?)description.RecordCount ?? DBNull.Value });
            command.Parameters.AddWithValue("size_bytes", size);
            command.Parameters.AddWithValue("sha256", sha256);
            command.Parameters.AddWithValue("chunk_size_bytes", _chunkSizeBytes);
            await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
            await reader.ReadAsync(cancellationToken);
            dataset = ReadDataset(reader);
        }
        await transaction.CommitAsync(cancellationToken);
        return dataset;
    }

    /// <summary>The dataset's metadata, or null when <paramref name="tenantId"/> has no such dataset.</summary>
    public async Task<Dataset?> GetAsync(Guid tenantId, Guid datasetId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _dataSource.CreateCommand(s_getSql);
        command.Parameters.AddWithValue("id", datasetId);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadDataset(reader) : null;
    }

    /// <summary>A seekable stream over the content of <paramref name="dataset"/> (from <see cref="GetAsync"/>).</summary>
    public BlobReadStream OpenRead(Dataset dataset)
    {
        ArgumentNullException.ThrowIfNull(dataset);
        return new BlobReadStream(_dataSource, s_readChunkSql, dataset.Id, dataset.SizeBytes, dataset.ChunkSizeBytes);
    }

    /// <summary>
    /// Deletes a dataset and its content; false when the tenant has no such dataset, or when an unfinished job names it
    /// as its <c>validation_file</c> (<see cref="GetAsync"/> tells the two apart). A dataset a job uses as its training
    /// file cannot be deleted while the job exists: Postgres refuses with a foreign-key violation (<c>job_dataset_fkey</c>).
    /// </summary>
    public async Task<bool> DeleteAsync(Guid tenantId, Guid datasetId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _dataSource.CreateCommand(s_deleteSql);
        command.Parameters.AddWithValue("id", datasetId);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        return await command.ExecuteNonQueryAsync(cancellationToken) > 0;
    }

    private static Dataset ReadDataset(NpgsqlDataReader reader)
    {
        int format = reader.GetOrdinal("format");
        int recordCount = reader.GetOrdinal("record_count");
        return new Dataset
        {
            Id = reader.GetGuid(reader.GetOrdinal("id")),
            TenantId = reader.GetGuid(reader.GetOrdinal("tenant_id")),
            FileName = reader.GetString(reader.GetOrdinal("file_name")),
            Purpose = reader.GetString(reader.GetOrdinal("purpose")),
            Format = reader.IsDBNull(format) ? null : reader.GetString(format),
            RecordCount = reader.IsDBNull(recordCount) ? null : reader.GetInt64(recordCount),
            SizeBytes = reader.GetInt64(reader.GetOrdinal("size_bytes")),
            Sha256 = reader.GetFieldValue<byte[]>(reader.GetOrdinal("sha256")),
            ChunkSizeBytes = reader.GetInt32(reader.GetOrdinal("chunk_size_bytes")),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at")),
        };
    }
}
