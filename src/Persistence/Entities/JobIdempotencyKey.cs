namespace FineTune.Persistence.Entities;

/// <summary>
/// An <c>Idempotency-Key</c> a tenant sent with a job submission, and the job it created. Inserted in the same
/// transaction as the job, so a replayed request finds either nothing or the finished submission.
/// </summary>
public sealed class JobIdempotencyKey
{
    /// <summary>The tenant that sent the key; keys are unique per tenant, never across tenants.</summary>
    public Guid TenantId { get; set; }

    /// <summary>The key as sent (1 to 255 characters).</summary>
    public required string IdempotencyKey { get; set; }

    /// <summary>SHA-256 of the request body (32 bytes): a replay with another body is refused, not served.</summary>
    public required byte[] RequestSha256 { get; set; }

    /// <summary>The job the first request created.</summary>
    public Guid JobId { get; set; }

    /// <summary>When the first request committed.</summary>
    public DateTimeOffset CreatedAt { get; set; }
}
