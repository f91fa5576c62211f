namespace FineTune.Persistence.Queue;

/// <summary>
/// A job named a dataset (training or validation) that is not one of its tenant's, so it was not inserted: the
/// dataset does not exist, belongs to another tenant, or was deleted a moment ago.
/// </summary>
public sealed class JobDatasetNotFoundException : Exception
{
    /// <summary>Creates the exception with the default message.</summary>
    public JobDatasetNotFoundException()
        : base("a dataset of the job is not one of its tenant's")
    {
    }

    /// <summary>Creates the exception with a message only.</summary>
    public JobDatasetNotFoundException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a message and a cause.</summary>
    public JobDatasetNotFoundException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
