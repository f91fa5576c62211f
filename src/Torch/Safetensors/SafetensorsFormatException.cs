namespace FineTune.Torch.Safetensors;

/// <summary>
/// Thrown when a safetensors file, or a checkpoint index, is malformed. The message names the file
/// and the exact problem.
/// </summary>
/// <remarks>
/// Derives from <see cref="IOException"/> because <see cref="InvalidDataException"/> is sealed;
/// one <c>catch (IOException)</c> thus covers both a missing and a corrupt checkpoint.
/// </remarks>
public sealed class SafetensorsFormatException : IOException
{
    /// <summary>Initializes a new instance with a generic message.</summary>
    public SafetensorsFormatException()
        : base("Invalid safetensors data.")
    {
    }

    /// <summary>Initializes a new instance with the given message.</summary>
    /// <param name="message">The full message.</param>
    public SafetensorsFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Initializes a new instance with the given message and cause.</summary>
    /// <param name="message">The full message.</param>
    /// <param name="innerException">The underlying error.</param>
    public SafetensorsFormatException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Initializes a new instance whose message is built from the file path and the problem.</summary>
    /// <param name="filePath">The file that is malformed.</param>
    /// <param name="problem">What is wrong, as one sentence without the path.</param>
    /// <param name="innerException">The underlying error, if any.</param>
    public SafetensorsFormatException(string filePath, string problem, Exception? innerException)
        : base($"Invalid safetensors file '{filePath}': {problem}", innerException)
    {
        FilePath = filePath;
    }

    /// <summary>Gets the path of the malformed file, when known.</summary>
    public string? FilePath { get; }
}
