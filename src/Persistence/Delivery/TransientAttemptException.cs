namespace FineTune.Persistence.Delivery;

/// <summary>
/// Thrown by the job method when an attempt failed transiently and the job's row says it will be retried
/// (<c>retryable</c>): Hangfire's retry filter then schedules the next delivery after our backoff. Any other exception
/// from the job method ends the Hangfire job as failed without a retry.
/// </summary>
public sealed class TransientAttemptException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TransientAttemptException()
    {
    }

    /// <summary>Creates the exception with the failure's reason.</summary>
    public TransientAttemptException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the failure's reason and cause.</summary>
    public TransientAttemptException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
