using System.Globalization;

namespace FineTune.Text.Data;

/// <summary>A dataset that cannot be trained on: the file is empty, has bad records, or has too few usable examples.</summary>
public sealed class DatasetValidationException : Exception
{
    /// <summary>Creates the exception with a message and no itemized errors.</summary>
    public DatasetValidationException()
        : this("The dataset is invalid.")
    {
    }

    /// <summary>Creates the exception with a message and no itemized errors.</summary>
    /// <param name="message">What is wrong.</param>
    public DatasetValidationException(string message)
        : this(message, (Exception?)null)
    {
    }

    /// <summary>Creates the exception with a message, an inner exception and no itemized errors.</summary>
    /// <param name="message">What is wrong.</param>
    /// <param name="innerException">The cause.</param>
    public DatasetValidationException(string message, Exception? innerException)
        : base(message, innerException)
    {
        Errors = [DatasetError.ForFile(message)];
        TotalErrorCount = 1;
    }

    /// <summary>Creates the exception from the errors a read collected.</summary>
    /// <param name="errors">The kept errors, file-level ones first.</param>
    /// <param name="totalErrorCount">How many errors there were, kept or not.</param>
    public DatasetValidationException(IReadOnlyList<DatasetError> errors, int totalErrorCount)
        : base(Describe(errors, totalErrorCount))
    {
        Errors = errors;
        TotalErrorCount = totalErrorCount;
    }

    /// <summary>The kept errors: file-level ones first, then the first record errors in file order.</summary>
    public IReadOnlyList<DatasetError> Errors { get; }

    /// <summary>How many errors were found in all, including those not kept.</summary>
    public int TotalErrorCount { get; }

    private static string Describe(IReadOnlyList<DatasetError> errors, int totalErrorCount)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            return "The dataset is invalid.";
        }

        if (totalErrorCount <= 1)
        {
            return Capitalize(errors[0].ToString());
        }

        string shown = string.Join("; ", errors.Take(3));
        return string.Create(
            CultureInfo.InvariantCulture,
            $"The dataset has {totalErrorCount} errors: {shown}{(totalErrorCount > 3 ? "; ..." : string.Empty)}");
    }

    private static string Capitalize(string text) =>
        text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
