namespace FineTune.HuggingFace;

/// <summary>
/// A hub download that cannot succeed as asked. The message names the repository, revision or file and what to do;
/// it never contains the access token.
/// </summary>
public class HubException : Exception
{
    /// <summary>Creates an exception with no message.</summary>
    public HubException()
    {
    }

    /// <summary>Creates an exception with a message.</summary>
    public HubException(string message)
        : base(message)
    {
    }

    /// <summary>Creates an exception with a message and the exception that caused it.</summary>
    public HubException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>Gets why the operation failed.</summary>
    public HubErrorKind Kind { get; init; }

    /// <summary>Gets the HTTP status the hub answered with, or null when the failure was not an HTTP answer.</summary>
    public int? StatusCode { get; init; }

    /// <summary>Gets a value indicating whether trying the same request again may succeed (used by the retry loop).</summary>
    internal bool IsTransient { get; init; }
}
