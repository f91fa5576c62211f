using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Text.Data;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Datasets;

/// <summary>
/// Stores an upload in Postgres while validating it, in one pass and one transaction: the body streams through a
/// <see cref="DatasetReader"/> into <see cref="DatasetStore"/> chunks, and the dataset row is written only if the
/// reader found no error. A bad or oversized file therefore leaves nothing stored.
/// </summary>
/// <param name="store">The chunked dataset store.</param>
/// <param name="options">The size limit.</param>
public sealed class DatasetUploader(DatasetStore store, IOptions<ApiOptions> options)
{
    /// <summary>How many record errors a rejection reports in full (the reader counts the rest).</summary>
    public const int MaxReportedErrors = 100;

    /// <summary>The largest upload in bytes.</summary>
    public long MaxBytes => options.Value.MaxDatasetBytes;

    /// <summary>
    /// Streams <paramref name="content"/> into a new dataset of <paramref name="tenantId"/>, validated as
    /// <paramref name="format"/> (null: detected from the first record). The format it was validated as is stored with
    /// it, and a job that names no format trains it as that.
    /// </summary>
    public async Task<DatasetUploadResult> UploadAsync(Guid tenantId, string fileName, DatasetFormat? format, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentNullException.ThrowIfNull(content);
        // Examples are not kept: validation needs only counts and errors, so memory stays flat whatever the size.
        var reader = new DatasetReader(new DatasetReadOptions { Format = format, KeepExamples = false, MaxErrors = MaxReportedErrors });
        var validating = new ValidatingUploadStream(content, reader, MaxBytes, MaxReportedErrors);
        try
        {
            Dataset dataset = await store.CreateAsync(new DatasetUpload(tenantId, fileName), validating, () => Describe(reader), cancellationToken);
            return new DatasetUploadResult(dataset, null, StoppedEarly: false, TooLarge: false);
        }
        catch (DatasetRejectedException rejected)
        {
            return new DatasetUploadResult(null, rejected.Result, rejected.StoppedEarly, TooLarge: false);
        }
        catch (DatasetTooLargeException)
        {
            return new DatasetUploadResult(null, null, StoppedEarly: false, TooLarge: true);
        }
    }

    // Runs after the last byte and before the commit; throwing here is how the store rolls a bad file back.
    private static DatasetDescription Describe(DatasetReader reader)
    {
        DatasetReadResult result = reader.Complete();
        if (!result.IsValid)
        {
            throw new DatasetRejectedException(result, stoppedEarly: false);
        }
        return new DatasetDescription(result.Format is { } format ? DatasetFormats.ToName(format) : null, result.RecordCount);
    }
}
