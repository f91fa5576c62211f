namespace FineTune.Contracts.Backends;

/// <summary>An option a backend does not know or cannot accept; the message names the option and the backend.</summary>
public sealed class BackendOptionsException : ArgumentException
{
    /// <summary>Creates an exception with no message.</summary>
    public BackendOptionsException()
    {
    }

    /// <summary>Creates an exception naming the option.</summary>
    public BackendOptionsException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception naming the option, with its cause.</summary>
    public BackendOptionsException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Creates an exception naming the option as the parameter.</summary>
    public BackendOptionsException(string message, string option)
        : base(message, option)
    {
    }
}
