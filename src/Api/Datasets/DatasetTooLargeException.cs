namespace FineTune.Api.Datasets;

/// <summary>
/// Unwinds a dataset upload that passed the size limit, or whose line passed the line limit. Thrown from the
/// validating stream, the only way to stop a copy mid-stream, and caught by <see cref="DatasetUploader"/>, which
/// answers 413; never escapes to a client.
/// </summary>
internal sealed class DatasetTooLargeException(long maxBytes, int? line = null)
    : Exception(line is null ? $"the upload is larger than {maxBytes} bytes" : $"line {line} is longer than {maxBytes} bytes")
{
    /// <summary>The limit that was passed.</summary>
    public long MaxBytes { get; } = maxBytes;

    /// <summary>The line over the line limit, or null when the whole body passed the size limit.</summary>
    public int? Line { get; } = line;
}
