using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Text.Data;
using Microsoft.Extensions.Options;

namespace FineTune.Api.Datasets;

/// <summary>
/// Stores an upload in Postgres after validating it. The body streams through a <see cref="DatasetReader"/> into a
/// temporary file first, so a client that trickles its bytes holds a file, never a database connection; only a valid
/// file is then copied into <see cref="DatasetStore"/> chunks, in one transaction at disk speed. A bad or oversized
/// file therefore leaves nothing stored, and the temporary file is deleted however the upload ends.
/// </summary>
/// <param name="store">The chunked dataset store.</param>
/// <param name="options">The size limits and the staging folder.</param>
public sealed class DatasetUploader(DatasetStore store, IOptions<ApiOptions> options)
{
    /// <summary>How many record errors a rejection reports in full (the reader counts the rest).</summary>
    public const int MaxReportedErrors = 100;

    private const int CopyBufferBytes = 64 * 1024;

    /// <summary>The largest upload in bytes.</summary>
    public long MaxBytes => options.Value.MaxDatasetBytes;

    /// <summary>The longest line of an upload in bytes.</summary>
    public int MaxLineBytes => options.Value.MaxLineBytes;

    /// <summary>
    /// Validates <paramref name="content"/> as <paramref name="format"/> (null: detected from the first record) while
    /// staging it, then stores it as a new dataset of <paramref name="tenantId"/>. The format it was validated as is
    /// stored with it, and a job that names no format trains it as that.
    /// </summary>
    /// <exception cref="IOException">The body could not be read (a client that went away, a malformed multipart body).</exception>
    public async Task<DatasetUploadResult> UploadAsync(Guid tenantId, string fileName, DatasetFormat? format, Stream content, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(fileName);
        ArgumentNullException.ThrowIfNull(content);
        // Examples are not kept: validation needs only counts and errors, so memory stays flat whatever the size.
        var reader = new DatasetReader(new DatasetReadOptions
        {
            Format = format,
            FileName = fileName,
            KeepExamples = false,
            MaxErrors = MaxReportedErrors,
            MaxLineBytes = MaxLineBytes,
        });
        var validating = new ValidatingUploadStream(content, reader, MaxBytes, MaxLineBytes, MaxReportedErrors);
        await using FileStream staged = CreateStagingFile();
        try
        {
            await validating.CopyToAsync(staged, CopyBufferBytes, cancellationToken);
        }
        catch (DatasetRejectedException rejected)
        {
            return new DatasetUploadResult(null, rejected.Result, rejected.StoppedEarly, TooLarge: false);
        }
        catch (DatasetTooLargeException tooLarge)
        {
            return new DatasetUploadResult(null, null, StoppedEarly: false, TooLarge: true, tooLarge.Line);
        }
        DatasetReadResult result = reader.Complete();
        if (!result.IsValid)
        {
            return new DatasetUploadResult(null, result, StoppedEarly: false, TooLarge: false);
        }
        var description = new DatasetDescription(result.Format is { } detected ? DatasetFormats.ToName(detected) : null, result.RecordCount);
        staged.Position = 0;
        Dataset dataset = await store.CreateAsync(new DatasetUpload(tenantId, fileName), staged, () => description, cancellationToken);
        return new DatasetUploadResult(dataset, null, StoppedEarly: false, TooLarge: false);
    }

    // Owner-only folder and a file deleted on close: an upload's bytes are the tenant's data and never outlive it.
    private FileStream CreateStagingFile()
    {
        string folder = options.Value.UploadStagingDir is { Length: > 0 } configured
            ? configured
            : Path.Combine(Path.GetTempPath(), "finetune-uploads");
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(folder);
        }
        else
        {
            Directory.CreateDirectory(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
        return new FileStream(
            Path.Combine(folder, Guid.NewGuid().ToString("N") + ".upload"),
            FileMode.CreateNew,
            FileAccess.ReadWrite,
            FileShare.None,
            CopyBufferBytes,
            FileOptions.Asynchronous | FileOptions.DeleteOnClose);
    }
}
