using System.Globalization;

namespace FineTune.Text.Data;

/// <summary>One problem found while reading a dataset.</summary>
/// <param name="Line">The 1-based line where the record (or the problem) starts, or null for the whole file.</param>
/// <param name="RecordIndex">The 0-based index of the record among the file's records, or null when no record is to blame.</param>
/// <param name="Field">The path of the offending field, such as <c>messages[2].role</c>, or null.</param>
/// <param name="Message">What is wrong, naming the field itself, in words a dataset author can act on.</param>
public sealed record DatasetError(int? Line, int? RecordIndex, string? Field, string Message)
{
    /// <summary>Creates an error about the file as a whole.</summary>
    /// <param name="message">What is wrong.</param>
    /// <returns>An error with no line, record or field.</returns>
    public static DatasetError ForFile(string message) => new(null, null, null, message);

    /// <summary>Formats the error as <c>line 4 (record 3): unknown role 'bot' in messages[1].role ...</c>.</summary>
    /// <returns>The error in one line.</returns>
    public override string ToString()
    {
        string where = (Line, RecordIndex) switch
        {
            (int line, int index) => string.Create(CultureInfo.InvariantCulture, $"line {line} (record {index}): "),
            (int line, null) => string.Create(CultureInfo.InvariantCulture, $"line {line}: "),
            (null, int index) => string.Create(CultureInfo.InvariantCulture, $"record {index}: "),
            _ => string.Empty,
        };
        return where + Message;
    }
}
