namespace FineTune.Torch;

/// <summary>An error reported by libtorch (or the shim), carrying libtorch's own message.</summary>
public class TorchException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public TorchException()
    {
    }

    /// <summary>Creates an exception with libtorch's message.</summary>
    public TorchException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public TorchException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The shim's FT_ERR_* status code (1 libtorch, 2 out of memory, 3 std, 4 unknown, 5 argument, 6 unsupported).</summary>
    public int StatusCode { get; init; }
}
