namespace FineTune.Contracts.Backends;

/// <summary>
/// A backend ran out of memory on its device. Backends translate their runtime's own error (libtorch's
/// <c>TorchOutOfMemoryException</c>) into this one, so the worker classifies it without knowing the runtime: the
/// failure is transient, since another worker, or the same one once other jobs finish, may have room.
/// </summary>
public sealed class DeviceOutOfMemoryException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public DeviceOutOfMemoryException()
    {
    }

    /// <summary>Creates an exception with the runtime's message.</summary>
    public DeviceOutOfMemoryException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with the runtime's message and its own exception.</summary>
    public DeviceOutOfMemoryException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
