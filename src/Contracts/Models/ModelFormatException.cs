namespace FineTune.Contracts.Models;

/// <summary>A model folder that cannot be loaded: unknown family, missing tensor, wrong shape.</summary>
public sealed class ModelFormatException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public ModelFormatException()
    {
    }

    /// <summary>Creates an exception whose message names the file and the problem.</summary>
    public ModelFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and its cause.</summary>
    public ModelFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
