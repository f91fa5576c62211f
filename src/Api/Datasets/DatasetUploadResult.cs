using FineTune.Persistence.Entities;
using FineTune.Text.Data;

namespace FineTune.Api.Datasets;

/// <summary>How an upload ended: stored, rejected with the reader's findings, or over a size limit.</summary>
/// <param name="Dataset">The stored dataset, when the file was valid.</param>
/// <param name="Rejected">What was wrong with the file, when it was invalid.</param>
/// <param name="StoppedEarly">Whether reading stopped at the error limit (the file may have more errors).</param>
/// <param name="TooLarge">Whether the body passed the size limit, or a line passed the line limit.</param>
/// <param name="LineTooLong">The line that passed <see cref="ApiOptions.MaxLineBytes"/>, when that was the limit.</param>
public sealed record DatasetUploadResult(Dataset? Dataset, DatasetReadResult? Rejected, bool StoppedEarly, bool TooLarge, int? LineTooLong = null);
