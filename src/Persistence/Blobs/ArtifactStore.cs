using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Resilience;
using Npgsql;

namespace FineTune.Persistence.Blobs;

/// <summary>
/// Stores the files jobs produce (outputs and checkpoint blobs) as chunk rows, streaming both ways. Writes are made
/// by the worker holding the job's lease and are fenced like every other worker write: a rescued worker's upload is
/// rolled back whole. Reads are scoped by tenant.
/// </summary>
public sealed class ArtifactStore
{
    private static readonly string s_insertChunkSql = SqlResource.Load("Blobs/Sql/artifact_insert_chunk.sql");
    private static readonly string s_readChunkSql = SqlResource.Load("Blobs/Sql/artifact_read_chunk.sql");
    private static readonly string s_replaceSql = SqlResource.Load("Blobs/Sql/artifact_replace.sql");
    private static readonly string s_insertSql = SqlResource.Load("Blobs/Sql/artifact_insert.sql");
    private static readonly string s_getByIdSql = SqlResource.Load("Blobs/Sql/artifact_get_by_id.sql");
    private static readonly string s_getByNameSql = SqlResource.Load("Blobs/Sql/artifact_get_by_name.sql");
    private static readonly string s_listSql = SqlResource.Load("Blobs/Sql/artifact_list.sql");

    private readonly NpgsqlDataSource _dataSource;
    private readonly int _chunkSizeBytes;

    /// <summary>Creates the store.</summary>
    /// <param name="dataSource">A data source from <see cref="FineTuneDataSource.Create"/>.</param>
    /// <param name="chunkSizeBytes">Bytes per chunk row for new artifacts.</param>
    public ArtifactStore(NpgsqlDataSource dataSource, int chunkSizeBytes = DatasetStore.DefaultChunkSizeBytes)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentOutOfRangeException.ThrowIfLessThan(chunkSizeBytes, 1);
        _dataSource = dataSource;
        _chunkSizeBytes = chunkSizeBytes;
    }

    /// <summary>
    /// Writes the file at <paramref name="path"/> as <see cref="WriteAsync"/> does, repeating the whole write after a
    /// transient database error (<paramref name="retry"/>): a write is one transaction that replaces (job, name), so a
    /// repeat stores the file once. A worker uploads checkpoints and outputs this way, so a database restart does not
    /// cost it the attempt.
    /// </summary>
    public async Task<Artifact> WriteFileAsync(
        JobLease lease, string name, string kind, string contentType, string path, DatabaseRetry retry, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(retry);
        return await retry.ExecuteAsync(
            async token =>
            {
                await using FileStream content = File.OpenRead(path);
                return await WriteAsync(lease, name, kind, contentType, content, token);
            },
            cancellationToken);
    }

    /// <summary>
    /// Streams <paramref name="content"/> into artifact <paramref name="name"/> of the leased job, replacing an earlier
    /// one of that name. Throws <see cref="LeaseLostException"/>, storing nothing, when the lease was rescued.
    /// </summary>
    /// <param name="lease">The lease of the job that produced the file.</param>
    /// <param name="name">The file name, unique per job.</param>
    /// <param name="kind"><see cref="ArtifactKind.Output"/> or <see cref="ArtifactKind.Checkpoint"/>.</param>
    /// <param name="contentType">The MIME type to serve it with.</param>
    /// <param name="content">The bytes, read to the end.</param>
    /// <param name="cancellationToken">Cancels the write (and rolls it back).</param>
    public async Task<Artifact> WriteAsync(JobLease lease, string name, string kind, string contentType, Stream content, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lease);
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(kind);
        ArgumentException.ThrowIfNullOrWhiteSpace(contentType);
        ArgumentNullException.ThrowIfNull(content);
        Guid id = Guid.CreateVersion7();
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync(cancellationToken);
        (long size, byte[] sha256) = await ChunkedBlob.WriteChunksAsync(
            connection, transaction, s_insertChunkSql, id, content, _chunkSizeBytes, cancellationToken);
        await using (var replace = new NpgsqlCommand(s_replaceSql, connection, transaction))
        {
            QueueSql.AddLease(replace, lease);
            replace.Parameters.AddWithValue("name", name);
            await replace.ExecuteNonQueryAsync(cancellationToken);
        }
        Artifact? artifact;
        await using (var insert = new NpgsqlCommand(s_insertSql, connection, transaction))
        {
            QueueSql.AddLease(insert, lease);
            insert.Parameters.AddWithValue("id", id);
            insert.Parameters.AddWithValue("name", name);
            insert.Parameters.AddWithValue("kind", kind);
            insert.Parameters.AddWithValue("content_type", contentType);
            insert.Parameters.AddWithValue("size_bytes", size);
            insert.Parameters.AddWithValue("sha256", sha256);
            insert.Parameters.AddWithValue("chunk_size_bytes", _chunkSizeBytes);
            await using NpgsqlDataReader reader = await insert.ExecuteReaderAsync(cancellationToken);
            artifact = await reader.ReadAsync(cancellationToken) ? ReadArtifact(reader) : null;
        }
        if (artifact is null)
        {
            // Disposing the transaction rolls the chunks back.
            throw new LeaseLostException(lease.JobId, lease.WorkerId, lease.Attempt, null);
        }
        await transaction.CommitAsync(cancellationToken);
        return artifact;
    }

    /// <summary>An artifact of <paramref name="tenantId"/> by ID, or null.</summary>
    public async Task<Artifact?> GetAsync(Guid tenantId, Guid artifactId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _dataSource.CreateCommand(s_getByIdSql);
        command.Parameters.AddWithValue("id", artifactId);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>An artifact of <paramref name="tenantId"/> by job and name, or null.</summary>
    public async Task<Artifact?> GetAsync(Guid tenantId, Guid jobId, string name, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(name);
        await using NpgsqlCommand command = _dataSource.CreateCommand(s_getByNameSql);
        command.Parameters.AddWithValue("job_id", jobId);
        command.Parameters.AddWithValue("name", name);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        return await ReadOneAsync(command, cancellationToken);
    }

    /// <summary>Every artifact of a job of <paramref name="tenantId"/>, by name.</summary>
    public async Task<IReadOnlyList<Artifact>> ListAsync(Guid tenantId, Guid jobId, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = _dataSource.CreateCommand(s_listSql);
        command.Parameters.AddWithValue("job_id", jobId);
        command.Parameters.AddWithValue("tenant_id", tenantId);
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        var artifacts = new List<Artifact>();
        while (await reader.ReadAsync(cancellationToken))
        {
            artifacts.Add(ReadArtifact(reader));
        }
        return artifacts;
    }

    /// <summary>A seekable stream over the content of <paramref name="artifact"/> (from <c>GetAsync</c>).</summary>
    public BlobReadStream OpenRead(Artifact artifact)
    {
        ArgumentNullException.ThrowIfNull(artifact);
        return new BlobReadStream(_dataSource, s_readChunkSql, artifact.Id, artifact.SizeBytes, artifact.ChunkSizeBytes);
    }

    private static async Task<Artifact?> ReadOneAsync(NpgsqlCommand command, CancellationToken cancellationToken)
    {
        await using NpgsqlDataReader reader = await command.ExecuteReaderAsync(cancellationToken);
        return await reader.ReadAsync(cancellationToken) ? ReadArtifact(reader) : null;
    }

    private static Artifact ReadArtifact(NpgsqlDataReader reader)
    {
        return new Artifact
        {
            Id = reader.GetGuid(reader.GetOrdinal("id")),
            TenantId = reader.GetGuid(reader.GetOrdinal("tenant_id")),
            JobId = reader.GetGuid(reader.GetOrdinal("job_id")),
            Name = reader.GetString(reader.GetOrdinal("name")),
            Kind = reader.GetString(reader.GetOrdinal("kind")),
            ContentType = reader.GetString(reader.GetOrdinal("content_type")),
            SizeBytes = reader.GetInt64(reader.GetOrdinal("size_bytes")),
            Sha256 = reader.GetFieldValue<byte[]>(reader.GetOrdinal("sha256")),
            ChunkSizeBytes = reader.GetInt32(reader.GetOrdinal("chunk_size_bytes")),
            Attempt = reader.GetInt32(reader.GetOrdinal("attempt")),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at")),
        };
    }
}
