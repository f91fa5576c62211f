using FineTune.Api.Problems;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Mvc;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace FineTune.Api.OpenApi;

/// <summary>Marks routes that require authorization with the bearer scheme and documents their 401.</summary>
public sealed class BearerOperationFilter : IOperationFilter
{
    /// <inheritdoc />
    public void Apply(OpenApiOperation operation, OperationFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(operation);
        ArgumentNullException.ThrowIfNull(context);
        bool secured = context.ApiDescription.ActionDescriptor.EndpointMetadata.OfType<IAuthorizeData>().Any();
        if (!secured)
        {
            return;
        }
        operation.Security ??= [];
        operation.Security.Add(new OpenApiSecurityRequirement
        {
            [new OpenApiSecuritySchemeReference(OpenApiExtensions.BearerSchemeName, context.Document)] = [],
        });
        operation.Responses ??= [];
        IOpenApiSchema problem = context.SchemaGenerator.GenerateSchema(typeof(ProblemDetails), context.SchemaRepository);
        operation.Responses.TryAdd("401", new OpenApiResponse
        {
            Description = "No API key, or an unknown or revoked one.",
            Content = new Dictionary<string, OpenApiMediaType> { [ProblemResult.ContentType] = new() { Schema = problem } },
        });
    }
}
