using FineTune.Api.Auth;
using FineTune.Api.Datasets;
using FineTune.Persistence;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Text.Data;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Mvc;
using Microsoft.AspNetCore.WebUtilities;
using Microsoft.EntityFrameworkCore;
using Microsoft.Net.Http.Headers;
using Npgsql;

namespace FineTune.Api.OpenAi;

/// <summary>
/// OpenAI's files API over FineTune's datasets: <c>POST /v1/files</c> (multipart <c>file</c> + <c>purpose</c>
/// <c>fine-tune</c>, in either order), list, get, <c>/content</c>, delete. A file is a dataset: it is validated while
/// it streams in, the same way as on <c>POST /v1/datasets</c>, and both surfaces see it.
/// </summary>
public static class OpenAiFilesEndpoints
{
    private const long MultipartOverheadBytes = 1 << 20;
    private const int MaxFieldBytes = 1024;

    /// <summary>Maps the file routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapOpenAiFilesEndpoints(this IEndpointRouteBuilder v1)
    {
        RouteGroupBuilder group = v1.MapGroup("/files").WithTags("OpenAI-compatible");
        group.MapPost("/", UploadAsync)
            .WithName("OpenAiUploadFile")
            .WithSummary("Upload a training file (OpenAI's files API)")
            .WithDescription("multipart/form-data with a 'file' part and purpose=fine-tune. Validated as POST /v1/datasets "
                + "validates (?format= names the record format); a bad file is 400 naming its first bad line.")
            .Produces<OpenAiFile>();
        group.MapGet("/", ListAsync).WithName("OpenAiListFiles").WithSummary("List files, newest first").Produces<OpenAiList<OpenAiFile>>();
        group.MapGet("/{fileId}", GetAsync).WithName("OpenAiGetFile").WithSummary("Get a file").Produces<OpenAiFile>();
        group.MapGet("/{fileId}/content", ContentAsync).WithName("OpenAiGetFileContent").WithSummary("Download a file's content");
        group.MapDelete("/{fileId}", DeleteAsync).WithName("OpenAiDeleteFile").WithSummary("Delete a file").Produces<OpenAiDeleted>();
        return v1;
    }

    private static async Task<IResult> UploadAsync(HttpRequest request, [FromQuery] string? format, DatasetUploader uploader, DatasetStore store, CancellationToken cancellationToken)
    {
        DatasetFormat? namedFormat = null;
        if (!string.IsNullOrWhiteSpace(format) && !string.Equals(format.Trim(), DatasetFormats.Auto, StringComparison.OrdinalIgnoreCase))
        {
            if (!DatasetFormats.TryParse(format, out DatasetFormat parsed))
            {
                return OpenAiError.BadRequest($"unknown dataset format '{format}'; accepted: {DatasetFormats.Auto}, {string.Join(", ", DatasetFormats.Names)}", "format");
            }
            namedFormat = parsed;
        }
        if (!MultipartFile.IsMultipart(request, out string boundary))
        {
            return OpenAiError.BadRequest("send the file as multipart/form-data with a 'file' part and purpose=fine-tune", "file");
        }
        if (request.ContentLength > uploader.MaxBytes + MultipartOverheadBytes)
        {
            return TooLarge(uploader.MaxBytes);
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            sizeFeature.MaxRequestBodySize = uploader.MaxBytes + MultipartOverheadBytes;
        }
        Guid tenantId = request.HttpContext.TenantId();
        var reader = new MultipartReader(boundary, request.Body);
        string? purpose = null;
        DatasetUploadResult? upload = null;
        try
        {
            while (await reader.ReadNextSectionAsync(cancellationToken) is { } section)
            {
                if (!ContentDispositionHeaderValue.TryParse(section.ContentDisposition, out ContentDispositionHeaderValue? disposition))
                {
                    continue;
                }
                string name = HeaderUtilities.RemoveQuotes(disposition.Name).ToString();
                if (disposition.IsFileDisposition() && name == "file" && upload is null)
                {
                    if (purpose is not null && purpose != OpenAiFile.FineTunePurpose)
                    {
                        return BadPurpose(purpose);
                    }
                    string fileName = HeaderUtilities.RemoveQuotes(disposition.FileNameStar.HasValue ? disposition.FileNameStar : disposition.FileName).ToString();
                    fileName = string.IsNullOrWhiteSpace(Path.GetFileName(fileName)) ? "upload.jsonl" : Path.GetFileName(fileName);
                    upload = await uploader.UploadAsync(tenantId, fileName, namedFormat, section.Body, cancellationToken);
                    if (upload.Dataset is null)
                    {
                        return Refused(upload, uploader.MaxBytes);
                    }
                }
                else if (name == "purpose")
                {
                    purpose = await ReadFieldAsync(section.Body, cancellationToken);
                }
            }
        }
        catch (Exception exception) when (exception is IOException or InvalidDataException && upload?.Dataset is null)
        {
            return OpenAiError.BadRequest($"the multipart body could not be read: {exception.Message}", "file");
        }
        if (upload?.Dataset is not Dataset dataset)
        {
            return OpenAiError.BadRequest("the multipart body has no 'file' part", "file");
        }
        if (purpose != OpenAiFile.FineTunePurpose)
        {
            // The purpose came after the file (the SDKs may send it either way): the file is stored already, and goes.
            await store.DeleteAsync(tenantId, dataset.Id, CancellationToken.None);
            return BadPurpose(purpose);
        }
        return TypedResults.Ok(OpenAiFile.From(dataset));
    }

    private static async Task<IResult> ListAsync(
        HttpContext context, [FromQuery] string? after, [FromQuery] int? limit, [FromQuery] string? purpose, [FromQuery] string? order, FineTuneDbContext db, CancellationToken cancellationToken)
    {
        if (OpenAiPaging.Limit(limit, 10_000, 10_000) is not int take)
        {
            return OpenAiPaging.BadLimit(10_000);
        }
        if (purpose is not null && purpose != OpenAiFile.FineTunePurpose)
        {
            // FineTune keeps fine-tune files only: any other purpose lists nothing.
            return TypedResults.Ok(new OpenAiList<OpenAiFile>([], false, null, null));
        }
        bool ascending = order switch
        {
            null or "desc" => false,
            "asc" => true,
            _ => throw new BadHttpRequestException("order: must be asc or desc"),
        };
        Guid tenantId = context.TenantId();
        IQueryable<Dataset> query = db.Datasets.AsNoTracking().Where(dataset => dataset.TenantId == tenantId);
        if (after is not null)
        {
            if (!OpenAiIds.TryParse(after, OpenAiIds.File, out Guid cursor))
            {
                return OpenAiError.BadRequest($"'{after}' is not a file id", "after");
            }
            query = ascending ? query.Where(dataset => dataset.Id.CompareTo(cursor) > 0) : query.Where(dataset => dataset.Id.CompareTo(cursor) < 0);
        }
        query = ascending ? query.OrderBy(dataset => dataset.Id) : query.OrderByDescending(dataset => dataset.Id);
        List<Dataset> page = await query.Take(take + 1).ToListAsync(cancellationToken);
        return TypedResults.Ok(OpenAiPaging.Page(page.Take(take).Select(OpenAiFile.From).ToList(), page.Count > take, file => file.Id));
    }

    private static async Task<IResult> GetAsync(HttpContext context, string fileId, DatasetStore store, CancellationToken cancellationToken)
    {
        Dataset? dataset = await FindAsync(context, fileId, store, cancellationToken);
        return dataset is null ? NoFile(fileId) : TypedResults.Ok(OpenAiFile.From(dataset));
    }

    private static async Task<IResult> ContentAsync(HttpContext context, string fileId, DatasetStore store, CancellationToken cancellationToken)
    {
        Dataset? dataset = await FindAsync(context, fileId, store, cancellationToken);
        if (dataset is null)
        {
            return NoFile(fileId);
        }
        var entityTag = new EntityTagHeaderValue($"\"{Convert.ToHexStringLower(dataset.Sha256)}\"");
        return TypedResults.Stream(store.OpenRead(dataset), "application/octet-stream", dataset.FileName, dataset.CreatedAt, entityTag, enableRangeProcessing: true);
    }

    private static async Task<IResult> DeleteAsync(HttpContext context, string fileId, DatasetStore store, CancellationToken cancellationToken)
    {
        if (!OpenAiIds.TryParse(fileId, OpenAiIds.File, out Guid id))
        {
            return NoFile(fileId);
        }
        try
        {
            return await store.DeleteAsync(context.TenantId(), id, cancellationToken)
                ? TypedResults.Ok(new OpenAiDeleted(OpenAiIds.Format(OpenAiIds.File, id), "file", Deleted: true))
                : NoFile(fileId);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return OpenAiError.Conflict($"file {fileId} is the training file of a job; it stays while the job exists");
        }
    }

    private static async Task<Dataset?> FindAsync(HttpContext context, string fileId, DatasetStore store, CancellationToken cancellationToken)
    {
        return OpenAiIds.TryParse(fileId, OpenAiIds.File, out Guid id) ? await store.GetAsync(context.TenantId(), id, cancellationToken) : null;
    }

    private static async Task<string> ReadFieldAsync(Stream body, CancellationToken cancellationToken)
    {
        var buffer = new byte[MaxFieldBytes + 1];
        int total = 0, read;
        while (total < buffer.Length && (read = await body.ReadAsync(buffer.AsMemory(total), cancellationToken)) > 0)
        {
            total += read;
        }
        return System.Text.Encoding.UTF8.GetString(buffer, 0, Math.Min(total, MaxFieldBytes)).Trim();
    }

    private static OpenAiError NoFile(string fileId) => OpenAiError.NotFound($"No such File object: {fileId}", "id");

    private static OpenAiError BadPurpose(string? purpose) => purpose is null
        ? OpenAiError.BadRequest("purpose is required: FineTune stores files with purpose 'fine-tune'", "purpose", "missing_required_parameter")
        : OpenAiError.BadRequest($"purpose '{purpose}' is not supported: FineTune stores files with purpose 'fine-tune'", "purpose", "invalid_value");

    private static OpenAiError TooLarge(long maxBytes) => new(StatusCodes.Status413PayloadTooLarge, $"the file is larger than the limit of {maxBytes} bytes", "file", "file_too_large");

    private static OpenAiError Refused(DatasetUploadResult upload, long maxBytes)
    {
        if (upload.TooLarge || upload.Rejected is null)
        {
            return TooLarge(maxBytes);
        }
        DatasetReadResult result = upload.Rejected;
        DatasetError first = result.Errors.FirstOrDefault(error => error.Line is not null) ?? result.Errors[0];
        string found = upload.StoppedEarly ? "reading stopped at 100 errors; the first" : result.TotalErrorCount == 1 ? "1 error" : $"{result.TotalErrorCount} errors; the first";
        return OpenAiError.BadRequest($"the file is invalid and was not stored ({found}): {first}", "file", "invalid_file");
    }
}
