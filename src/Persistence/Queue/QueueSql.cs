using FineTune.Persistence.Entities;
using Npgsql;
using NpgsqlTypes;

namespace FineTune.Persistence.Queue;

/// <summary>
/// The queue's SQL (embedded <c>Queue/Sql/*.sql</c>) and the few helpers every statement shares: the clock parameter,
/// the fencing parameters and the row readers.
/// </summary>
internal static class QueueSql
{
    public static readonly string Enqueue = Load("enqueue");
    public static readonly string ClaimJob = Load("claim_job");
    public static readonly string JobById = Load("job_by_id");
    public static readonly string Undispatched = Load("undispatched");
    public static readonly string MarkDispatched = Load("mark_dispatched");
    public static readonly string LatestCheckpoint = Load("latest_checkpoint");
    public static readonly string Heartbeat = Load("heartbeat");
    public static readonly string Complete = Load("complete");
    public static readonly string Fail = Load("fail");
    public static readonly string Cancelled = Load("cancelled");
    public static readonly string Release = Load("release");
    public static readonly string FenceCheck = Load("fence_check");
    public static readonly string RequestCancel = Load("request_cancel");
    public static readonly string RequestPause = Load("request_pause");
    public static readonly string Resume = Load("resume");
    public static readonly string Paused = Load("paused");
    public static readonly string FinishValidation = Load("finish_validation");
    public static readonly string GetJob = Load("get_job");
    public static readonly string SaveCheckpoint = Load("save_checkpoint");
    public static readonly string AppendEvent = Load("append_event");
    public static readonly string SettleExpiredLease = Load("settle_expired_lease");

    /// <summary>
    /// Adds <c>@now</c>. Null with the system clock, so every statement falls back to the database's <c>now()</c> and
    /// all workers share one clock whatever their own clocks say; a test clock's time otherwise.
    /// </summary>
    public static void AddNow(NpgsqlCommand command, TimeProvider timeProvider)
    {
        object value = ReferenceEquals(timeProvider, TimeProvider.System) ? DBNull.Value : timeProvider.GetUtcNow();
        command.Parameters.Add(new NpgsqlParameter("now", NpgsqlDbType.TimestampTz) { Value = value });
    }

    /// <summary>Adds the fencing token of <paramref name="lease"/>: <c>@job_id</c>, <c>@worker_id</c>, <c>@attempt</c>.</summary>
    public static void AddLease(NpgsqlCommand command, JobLease lease)
    {
        command.Parameters.AddWithValue("job_id", lease.JobId);
        command.Parameters.AddWithValue("worker_id", lease.WorkerId);
        command.Parameters.AddWithValue("attempt", lease.Attempt);
    }

    /// <summary>Adds a jsonb parameter from JSON text (null stays SQL NULL).</summary>
    public static void AddJson(NpgsqlCommand command, string name, string? json)
    {
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Jsonb) { Value = (object?)json ?? DBNull.Value });
    }

    /// <summary>Adds a text parameter that may be null.</summary>
    public static void AddText(NpgsqlCommand command, string name, string? value)
    {
        command.Parameters.Add(new NpgsqlParameter(name, NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value });
    }

    /// <summary>Parses a <c>job_state</c> label (statements return <c>state::text</c>, so no enum mapping is needed).</summary>
    public static JobState ParseState(string label)
    {
        return label switch
        {
            "validating_files" => JobState.ValidatingFiles,
            "queued" => JobState.Queued,
            "running" => JobState.Running,
            "retryable" => JobState.Retryable,
            "cancelling" => JobState.Cancelling,
            "paused" => JobState.Paused,
            "succeeded" => JobState.Succeeded,
            "failed" => JobState.Failed,
            "cancelled" => JobState.Cancelled,
            _ => throw new InvalidOperationException($"unknown job_state '{label}'"),
        };
    }

    /// <summary>Reads a full <c>job</c> row (<c>RETURNING *</c> or <c>SELECT *</c>).</summary>
    public static Job ReadJob(NpgsqlDataReader reader)
    {
        return new Job
        {
            Id = reader.GetFieldValue<Guid>(reader.GetOrdinal("id")),
            TenantId = reader.GetFieldValue<Guid>(reader.GetOrdinal("tenant_id")),
            Kind = reader.GetString(reader.GetOrdinal("kind")),
            Spec = reader.GetString(reader.GetOrdinal("spec")),
            Backend = reader.GetString(reader.GetOrdinal("backend")),
            RequiredMemoryBytes = reader.GetInt64(reader.GetOrdinal("required_memory_bytes")),
            DatasetId = Nullable<Guid>(reader, "dataset_id"),
            State = ParseState(reader.GetString(reader.GetOrdinal("state"))),
            Priority = reader.GetInt16(reader.GetOrdinal("priority")),
            Attempt = reader.GetInt32(reader.GetOrdinal("attempt")),
            MaxAttempts = reader.GetInt32(reader.GetOrdinal("max_attempts")),
            ScheduledAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("scheduled_at")),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at")),
            AttemptedAt = Nullable<DateTimeOffset>(reader, "attempted_at"),
            FinalizedAt = Nullable<DateTimeOffset>(reader, "finalized_at"),
            LeaseOwner = NullableText(reader, "lease_owner"),
            LeaseExpiresAt = Nullable<DateTimeOffset>(reader, "lease_expires_at"),
            CancelRequestedAt = Nullable<DateTimeOffset>(reader, "cancel_requested_at"),
            PauseRequestedAt = Nullable<DateTimeOffset>(reader, "pause_requested_at"),
            Progress = NullableText(reader, "progress"),
            Result = NullableText(reader, "result"),
            Error = NullableText(reader, "error"),
            Errors = reader.GetString(reader.GetOrdinal("errors")),
            EventSeq = reader.GetInt64(reader.GetOrdinal("event_seq")),
            HangfireJobId = NullableText(reader, "hangfire_job_id"),
        };
    }

    /// <summary>Reads a full <c>checkpoint</c> row.</summary>
    public static Checkpoint ReadCheckpoint(NpgsqlDataReader reader)
    {
        return new Checkpoint
        {
            Id = reader.GetFieldValue<Guid>(reader.GetOrdinal("id")),
            JobId = reader.GetFieldValue<Guid>(reader.GetOrdinal("job_id")),
            Step = reader.GetInt64(reader.GetOrdinal("step")),
            Attempt = reader.GetInt32(reader.GetOrdinal("attempt")),
            ArtifactId = Nullable<Guid>(reader, "artifact_id"),
            State = reader.GetString(reader.GetOrdinal("state")),
            CreatedAt = reader.GetFieldValue<DateTimeOffset>(reader.GetOrdinal("created_at")),
        };
    }

    private static T? Nullable<T>(NpgsqlDataReader reader, string column)
        where T : struct
    {
        int ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetFieldValue<T>(ordinal);
    }

    private static string? NullableText(NpgsqlDataReader reader, string column)
    {
        int ordinal = reader.GetOrdinal(column);
        return reader.IsDBNull(ordinal) ? null : reader.GetString(ordinal);
    }

    private static string Load(string name)
    {
        return SqlResource.Load($"Queue/Sql/{name}.sql");
    }
}
