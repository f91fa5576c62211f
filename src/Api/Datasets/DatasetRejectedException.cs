using FineTune.Text.Data;

namespace FineTune.Api.Datasets;

/// <summary>
/// Unwinds a dataset upload whose content is invalid, rolling back the chunks already stored (the store's documented
/// way to reject a file). Caught by <see cref="DatasetUploader"/>, which answers 422; never escapes to a client.
/// </summary>
internal sealed class DatasetRejectedException(DatasetReadResult result, bool stoppedEarly)
    : Exception($"the dataset has {result.TotalErrorCount} errors")
{
    /// <summary>What the reader found.</summary>
    public DatasetReadResult Result { get; } = result;

    /// <summary>Whether reading stopped at the error limit, so the file may hold more errors than were counted.</summary>
    public bool StoppedEarly { get; } = stoppedEarly;
}
