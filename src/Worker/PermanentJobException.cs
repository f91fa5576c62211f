namespace FineTune.Worker;

/// <summary>
/// A job that can never succeed as submitted: an invalid spec, a missing model or dataset, bad data, an unsupported
/// option, a diverged run. The worker fails it at once with this message instead of retrying (STYLE.md section 4).
/// </summary>
public sealed class PermanentJobException : Exception
{
    /// <summary>Creates the exception with no message.</summary>
    public PermanentJobException()
    {
    }

    /// <summary>Creates the exception with the reason the job reports.</summary>
    public PermanentJobException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with the reason the job reports and its cause.</summary>
    public PermanentJobException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
