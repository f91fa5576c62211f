namespace FineTune.Contracts.Events;

/// <summary>The loss became NaN or infinite; continuing would only corrupt the adapter.</summary>
public sealed class TrainingDivergedException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public TrainingDivergedException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public TrainingDivergedException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public TrainingDivergedException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
