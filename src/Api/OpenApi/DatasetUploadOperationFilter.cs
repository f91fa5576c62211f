using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace FineTune.Api.OpenApi;

/// <summary>
/// Documents the body of <c>POST /v1/datasets</c>, which the handler reads as a stream (multipart or raw) rather than
/// binding it, so the generator cannot see it.
/// </summary>
public sealed class DatasetUploadOperationFilter : IOperationFilter
{
    /// <summary>The operation ID of the upload route.</summary>
    public const string OperationId = "UploadDataset";

    private static readonly string[] s_rawTypes = ["application/jsonl", "application/json", "text/csv", "application/octet-stream"];

    /// <inheritdoc />
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(operation);
        if (operation.OperationId != OperationId)
        {
            return;
        }
        var content = new Dictionary<string, OpenApiMediaType>
        {
            ["multipart/form-data"] = new()
            {
                Schema = new OpenApiSchema
                {
                    Type = JsonSchemaType.Object,
                    Required = new HashSet<string> { "file" },
                    Properties = new Dictionary<string, IOpenApiSchema>
                    {
                        ["file"] = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The dataset; its filename becomes the dataset's name." },
                    },
                },
            },
        };
        foreach (string type in s_rawTypes)
        {
            content[type] = new OpenApiMediaType
            {
                Schema = new OpenApiSchema { Type = JsonSchemaType.String, Format = "binary", Description = "The dataset as the raw body; name it with ?name=." },
            };
        }
        operation.RequestBody = new OpenApiRequestBody
        {
            Required = true,
            Description = "JSON Lines, a JSON array or CSV, at most ApiOptions:MaxDatasetBytes.",
            Content = content,
        };
    }
}
