namespace FineTune.Api.Submission;

/// <summary>How a job submission ended.</summary>
public enum JobSubmissionOutcome
{
    /// <summary>A new job was enqueued (201).</summary>
    Created,

    /// <summary>The Idempotency-Key was seen before with the same body: the original job is returned (200).</summary>
    Replayed,

    /// <summary>The spec is invalid; <see cref="JobSubmission.Errors"/> names each field (422).</summary>
    Invalid,

    /// <summary>The Idempotency-Key was seen before with a different body (422).</summary>
    KeyReused,
}
