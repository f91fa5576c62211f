namespace FineTune.Torch;

/// <summary>
/// A device (usually CUDA) ran out of memory. Callers may recover, e.g. by halving the micro-batch, because the
/// failed op left no half-made tensors behind.
/// </summary>
public sealed class TorchOutOfMemoryException : TorchException
{
    /// <summary>Creates an exception with no message.</summary>
    public TorchOutOfMemoryException()
    {
    }

    /// <summary>Creates an exception with libtorch's message.</summary>
    public TorchOutOfMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public TorchOutOfMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
