namespace FineTune.Api.Datasets;

/// <summary>
/// Unwinds a dataset upload that passed the size limit. Thrown from inside the store's chunk loop, the only way to
/// stop it mid-stream, and caught by <see cref="DatasetUploader"/>, which answers 413; never escapes to a client.
/// </summary>
internal sealed class DatasetTooLargeException(long maxBytes)
    : Exception($"the upload is larger than {maxBytes} bytes")
{
    /// <summary>The limit that was passed.</summary>
    public long MaxBytes { get; } = maxBytes;
}
