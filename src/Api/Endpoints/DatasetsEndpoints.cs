using FineTune.Api.Auth;
using FineTune.Api.Contracts;
using FineTune.Api.Datasets;
using FineTune.Api.OpenApi;
using FineTune.Api.Problems;
using FineTune.Persistence;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Text.Data;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Options;
using Npgsql;

namespace FineTune.Api.Endpoints;

/// <summary>
/// <c>/v1/datasets</c>: upload (multipart or raw body, validated while it streams into Postgres), list, get, delete.
/// </summary>
public static class DatasetsEndpoints
{
    // Room for multipart part headers, boundaries and small form fields around the file.
    private const long MultipartOverheadBytes = 1 << 20;

    private const int MaxNameLength = 255;

    // Uploads last seconds to minutes; a client refused for having too many in flight should not spin.
    private const int UploadRetryAfterSeconds = 5;

    /// <summary>Maps the dataset routes under <paramref name="v1"/>.</summary>
    public static IEndpointRouteBuilder MapDatasetsEndpoints(this IEndpointRouteBuilder v1)
    {
        RouteGroupBuilder group = v1.MapGroup("/datasets").WithTags("Datasets");
        group.MapPost("/", UploadDatasetAsync)
            .WithName(DatasetUploadOperationFilter.OperationId)
            .WithSummary("Upload a training file")
            .WithDescription("Send the file as multipart/form-data (the first part with a filename) or as the raw body "
                + "(name it with ?name=). JSON Lines, a JSON array or CSV; the record format is detected from the first "
                + "record's keys, or named with ?format= (messages, sharegpt, alpaca, prompt_completion, text, tabular). "
                + "Tabular is detected only for CSV: JSON records whose keys match no format are refused, so send "
                + "?format=tabular to train on whole JSON records. Every record is validated while the file streams into "
                + "the database; a bad file (a JSON syntax error, an unknown record shape) is 422 with the first 100 "
                + "errors (line and reason) and nothing is stored. Over ApiOptions:MaxDatasetBytes is 413.");
        group.MapGet("/", ListDatasetsAsync).WithName("ListDatasets").WithSummary("List datasets, newest first");
        group.MapGet("/{datasetId:guid}", GetDatasetAsync).WithName("GetDataset").WithSummary("Get a dataset");
        group.MapDelete("/{datasetId:guid}", DeleteDatasetAsync)
            .WithName("DeleteDataset")
            .WithSummary("Delete a dataset")
            .WithDescription("A dataset that a job uses as its training file cannot be deleted while the job exists, nor one "
                + "that a queued or running job uses as its validation_file (409); delete the finished job first.");
        return v1;
    }

    private static async Task<Results<Created<DatasetDto>, UnprocessableProblem, ValidationProblem, PayloadTooLargeProblem, TooManyRequestsProblem>> UploadDatasetAsync(
        HttpRequest request,
        [FromQuery] string? name,
        [FromQuery] string? format,
        DatasetUploader uploader,
        UploadSlots slots,
        IOptions<ApiOptions> options,
        CancellationToken cancellationToken)
    {
        DatasetFormat? namedFormat = null;
        if (!string.IsNullOrWhiteSpace(format) && !string.Equals(format.Trim(), DatasetFormats.Auto, StringComparison.OrdinalIgnoreCase))
        {
            if (!DatasetFormats.TryParse(format, out DatasetFormat parsed))
            {
                return ApiProblems.BadRequest("format", $"unknown dataset format '{format}'; accepted: {DatasetFormats.Auto}, {string.Join(", ", DatasetFormats.Names)}");
            }
            namedFormat = parsed;
        }
        if (name is not null && NameProblem(name) is { } nameProblem)
        {
            return ApiProblems.BadRequest("name", nameProblem);
        }
        long maxBytes = uploader.MaxBytes;
        bool multipart = MultipartFile.IsMultipart(request, out string boundary);
        // The file is counted as it streams; a declared length already over the limit is refused before reading.
        long maxBodyBytes = maxBytes + (multipart ? MultipartOverheadBytes : 0);
        if (request.ContentLength > maxBodyBytes)
        {
            return ApiProblems.TooLarge(maxBytes);
        }
        Guid tenantId = request.HttpContext.TenantId();
        int maxUploads = options.Value.MaxConcurrentUploadsPerTenant;
        using IDisposable? slot = slots.TryEnter(tenantId, maxUploads);
        if (slot is null)
        {
            return ApiProblems.TooMany($"this tenant already has {maxUploads} uploads in flight (ApiOptions:MaxConcurrentUploadsPerTenant); retry when one ends", UploadRetryAfterSeconds);
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // The server-wide limit (30 MB by default) would cut large datasets short.
            sizeFeature.MaxRequestBodySize = maxBodyBytes;
        }
        DatasetUploadResult result;
        if (multipart)
        {
            // Named in the problem: the body as a whole until the file part is found, then that part.
            (string Field, string Label) part = ("body", "the multipart body");
            try
            {
                if (await MultipartFile.OpenFirstFileAsync(request, boundary, cancellationToken) is not { } file)
                {
                    return ApiProblems.BadRequest("file", "the multipart body has no file part (a part with a filename)");
                }
                part = (file.PartName, $"part '{file.PartName}'");
                string fileName = string.IsNullOrWhiteSpace(name) ? file.FileName : name;
                if (NameProblem(fileName) is { } fileNameProblem)
                {
                    return ApiProblems.BadRequest($"{file.PartName}.filename", fileNameProblem);
                }
                result = await uploader.UploadAsync(tenantId, NameOrDefault(fileName, request), namedFormat, file.Content, cancellationToken);
            }
            catch (Exception exception) when (IsMalformedMultipart(exception))
            {
                // MultipartReader's words for a wrong boundary or a body cut short; the client's mistake, not ours.
                return ApiProblems.BadRequest(part.Field, $"{part.Label} is malformed: {exception.Message} (boundary '{boundary}')");
            }
        }
        else
        {
            result = await uploader.UploadAsync(tenantId, NameOrDefault(name, request), namedFormat, request.Body, cancellationToken);
        }
        if (result.LineTooLong is int line)
        {
            return ApiProblems.LineTooLong(line, uploader.MaxLineBytes);
        }
        if (result.TooLarge)
        {
            return ApiProblems.TooLarge(maxBytes);
        }
        if (result.Rejected is { } rejected)
        {
            return Rejected(rejected, result.StoppedEarly);
        }
        DatasetDto dto = ToDto(result.Dataset!);
        return TypedResults.Created($"/v1/datasets/{dto.Id}", dto);
    }

    // A Kestrel BadHttpRequestException (body over the limit, cut short) keeps its own status via the exception handler.
    private static bool IsMalformedMultipart(Exception exception)
    {
        return exception is InvalidDataException || (exception is IOException && exception is not BadHttpRequestException);
    }

    // Names are shown back and stored as text: Postgres refuses NUL, and control characters only hide what a name says.
    private static string? NameProblem(string name)
    {
        if (name.Length > MaxNameLength)
        {
            return $"must be at most {MaxNameLength} characters";
        }
        int control = name.AsSpan().IndexOfAnyInRange('\0', '\u001f');
        if (control >= 0 || name.Contains('\u007f', StringComparison.Ordinal))
        {
            return $"must not hold control characters (found one at index {(control >= 0 ? control : name.IndexOf('\u007f', StringComparison.Ordinal))})";
        }
        return null;
    }

    private static async Task<Results<Ok<ListResponse<DatasetDto>>, ValidationProblem>> ListDatasetsAsync(
        HttpContext context,
        [FromQuery] Guid? after,
        [FromQuery] int? limit,
        FineTuneDbContext db,
        CancellationToken cancellationToken)
    {
        if (!Paging.TryGetLimit(limit, out int take, out ValidationProblem? problem))
        {
            return problem;
        }
        Guid tenantId = context.TenantId();
        IQueryable<Dataset> query = db.Datasets.AsNoTracking().Where(dataset => dataset.TenantId == tenantId);
        if (after is Guid cursor)
        {
            query = query.Where(dataset => dataset.Id.CompareTo(cursor) < 0);
        }
        List<Dataset> page = await query.OrderByDescending(dataset => dataset.Id).Take(take + 1).ToListAsync(cancellationToken);
        return TypedResults.Ok(new ListResponse<DatasetDto>(page.Take(take).Select(ToDto).ToList(), page.Count > take));
    }

    private static async Task<Results<Ok<DatasetDto>, NotFoundProblem>> GetDatasetAsync(
        HttpContext context,
        Guid datasetId,
        DatasetStore store,
        CancellationToken cancellationToken)
    {
        Dataset? dataset = await store.GetAsync(context.TenantId(), datasetId, cancellationToken);
        return dataset is null ? NotFound(datasetId) : TypedResults.Ok(ToDto(dataset));
    }

    private static async Task<Results<Ok<DeletedDto>, NotFoundProblem, ConflictProblem>> DeleteDatasetAsync(
        HttpContext context,
        Guid datasetId,
        DatasetStore store,
        CancellationToken cancellationToken)
    {
        Guid tenantId = context.TenantId();
        try
        {
            if (await store.DeleteAsync(tenantId, datasetId, cancellationToken))
            {
                return TypedResults.Ok(new DeletedDto(datasetId, "dataset", Deleted: true));
            }
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return ApiProblems.Conflict($"dataset {datasetId} is the training file of a job; it stays while the job exists (DELETE /v1/jobs/{{id}} a finished job first)");
        }
        // Not deleted: either there is no such dataset, or an unfinished job validates on it.
        return await store.GetAsync(tenantId, datasetId, cancellationToken) is null
            ? NotFound(datasetId)
            : ApiProblems.Conflict($"dataset {datasetId} is the validation_file of a queued or running job; it can be deleted once the job has finished");
    }

    internal static DatasetDto ToDto(Dataset dataset)
    {
        return new DatasetDto(
            dataset.Id,
            dataset.FileName,
            dataset.Format,
            dataset.RecordCount,
            dataset.SizeBytes,
            Convert.ToHexStringLower(dataset.Sha256),
            dataset.Purpose,
            dataset.CreatedAt.ToUnixTimeSeconds());
    }

    private static NotFoundProblem NotFound(Guid datasetId) => ApiProblems.NotFound($"no dataset {datasetId}");

    private static UnprocessableProblem Rejected(DatasetReadResult result, bool stoppedEarly)
    {
        // After an early stop the reader completed mid-file, so its whole-file verdicts (e.g. "no usable examples")
        // are not to be trusted; only the record errors found so far are.
        List<DatasetError> errors = result.Errors
            .Where(error => !stoppedEarly || error.Line is not null || error.RecordIndex is not null)
            .Take(DatasetUploader.MaxReportedErrors)
            .ToList();
        DatasetError first = errors.FirstOrDefault(error => error.Line is not null) ?? errors[0];
        string found = stoppedEarly ? $"reading stopped at {errors.Count} errors; the first" : result.TotalErrorCount == 1 ? "1 error" : $"{result.TotalErrorCount} errors; the first";
        var problem = new ProblemDetails
        {
            Title = "The dataset is invalid; nothing was stored.",
            Detail = $"{found}: {first}",
        };
        problem.Extensions["errors"] = errors
            .Select(error => new DatasetErrorDto(error.Line, error.RecordIndex, error.Field, error.Message))
            .ToArray();
        problem.Extensions["total_errors"] = result.TotalErrorCount;
        problem.Extensions["errors_truncated"] = stoppedEarly || result.TotalErrorCount > errors.Count;
        return new UnprocessableProblem(problem);
    }

    private static string NameOrDefault(string? name, HttpRequest request)
    {
        if (!string.IsNullOrWhiteSpace(name))
        {
            return name.Trim();
        }
        string contentType = request.ContentType ?? "";
        string extension = contentType.Contains("csv", StringComparison.OrdinalIgnoreCase) ? "csv"
            : contentType.StartsWith("application/json", StringComparison.OrdinalIgnoreCase) ? "json"
            : "jsonl";
        return $"upload.{extension}";
    }
}
