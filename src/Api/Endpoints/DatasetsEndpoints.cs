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
using Npgsql;

namespace FineTune.Api.Endpoints;

/// <summary>
/// <c>/v1/datasets</c>: upload (multipart or raw body, validated while it streams into Postgres), list, get, delete.
/// </summary>
public static class DatasetsEndpoints
{
    // Room for multipart part headers, boundaries and small form fields around the file.
    private const long MultipartOverheadBytes = 1 << 20;

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
            .WithDescription("A dataset that a job uses as its training file cannot be deleted (409).");
        return v1;
    }

    private static async Task<Results<Created<DatasetDto>, UnprocessableProblem, BadRequestProblem, PayloadTooLargeProblem>> UploadDatasetAsync(
        HttpRequest request,
        [FromQuery] string? name,
        [FromQuery] string? format,
        DatasetUploader uploader,
        CancellationToken cancellationToken)
    {
        DatasetFormat? namedFormat = null;
        if (!string.IsNullOrWhiteSpace(format) && !string.Equals(format.Trim(), DatasetFormats.Auto, StringComparison.OrdinalIgnoreCase))
        {
            if (!DatasetFormats.TryParse(format, out DatasetFormat parsed))
            {
                return new BadRequestProblem(new ProblemDetails
                {
                    Title = "Bad Request",
                    Detail = $"format: unknown dataset format '{format}'; accepted: {DatasetFormats.Auto}, {string.Join(", ", DatasetFormats.Names)}",
                });
            }
            namedFormat = parsed;
        }
        long maxBytes = uploader.MaxBytes;
        bool multipart = MultipartFile.IsMultipart(request, out string boundary);
        // The file is counted as it streams; a declared length already over the limit is refused before reading.
        long maxBodyBytes = maxBytes + (multipart ? MultipartOverheadBytes : 0);
        if (request.ContentLength > maxBodyBytes)
        {
            return ApiProblems.TooLarge(maxBytes);
        }
        if (request.HttpContext.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } sizeFeature)
        {
            // The server-wide limit (30 MB by default) would cut large datasets short.
            sizeFeature.MaxRequestBodySize = maxBodyBytes;
        }
        DatasetUploadResult result;
        if (multipart)
        {
            if (await MultipartFile.OpenFirstFileAsync(request, boundary, cancellationToken) is not { } file)
            {
                return new BadRequestProblem(new ProblemDetails
                {
                    Title = "Bad Request",
                    Detail = "the multipart body has no file part (a part with a filename)",
                });
            }
            string fileName = string.IsNullOrWhiteSpace(name) ? file.FileName : name;
            result = await uploader.UploadAsync(request.HttpContext.TenantId(), NameOrDefault(fileName, request), namedFormat, file.Content, cancellationToken);
        }
        else
        {
            result = await uploader.UploadAsync(request.HttpContext.TenantId(), NameOrDefault(name, request), namedFormat, request.Body, cancellationToken);
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
        try
        {
            return await store.DeleteAsync(context.TenantId(), datasetId, cancellationToken)
                ? TypedResults.Ok(new DeletedDto(datasetId, "dataset", Deleted: true))
                : NotFound(datasetId);
        }
        catch (PostgresException exception) when (exception.SqlState == PostgresErrorCodes.ForeignKeyViolation)
        {
            return ApiProblems.Conflict($"dataset {datasetId} is the training file of a job; it stays while the job exists");
        }
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
        string count = stoppedEarly ? $"reading stopped at {errors.Count} errors" : $"{result.TotalErrorCount} errors";
        var problem = new ProblemDetails
        {
            Title = "The dataset is invalid; nothing was stored.",
            Detail = $"{count}; the first: {first}",
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
