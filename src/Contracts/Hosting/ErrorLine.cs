namespace FineTune.Contracts.Hosting;

/// <summary>
/// The one line of an exception a user is shown (the CLI's <c>error:</c> line, a failed job's reason): its message's
/// first line, without the <c>(Parameter 'name')</c> that <see cref="ArgumentException"/> appends, since a .NET
/// parameter name means nothing to the user and the message already says which value is wrong.
/// </summary>
public static class ErrorLine
{
    /// <summary>The first line of <paramref name="message"/>, trimmed, without a trailing <c>(Parameter '…')</c>.</summary>
    public static string Of(string message)
    {
        string line = FirstLine(message);
        int at = line.LastIndexOf(" (Parameter '", StringComparison.Ordinal);
        return at >= 0 && line.EndsWith("')", StringComparison.Ordinal) ? line[..at] : line;
    }

    /// <summary>The first line of <paramref name="message"/>, trimmed (a stack or detail below it is dropped).</summary>
    public static string FirstLine(string message)
    {
        ArgumentNullException.ThrowIfNull(message);
        return message.Split('\n', 2)[0].Trim();
    }
}
