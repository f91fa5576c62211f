using System.Reflection;
using System.Text.Json.Nodes;
using Microsoft.OpenApi;

namespace FineTune.Api.OpenApi;

/// <summary>
/// Swagger (Swashbuckle): <c>/swagger/v1/swagger.json</c> and the UI at <c>/swagger</c>. Every route is described
/// from its endpoint metadata and the XML docs of its DTOs; every DTO schema carries an example
/// (<see cref="ExampleSchemaFilter"/>); authorized routes carry the bearer scheme and their 401
/// (<see cref="BearerOperationFilter"/>).
/// </summary>
public static class OpenApiExtensions
{
    /// <summary>The security scheme name in the document.</summary>
    public const string BearerSchemeName = "Bearer";

    /// <summary>Registers the document generator.</summary>
    public static IServiceCollection AddApiDocumentation(this IServiceCollection services)
    {
        services.AddEndpointsApiExplorer();
        services.AddSwaggerGen(options =>
        {
            options.SwaggerDoc("v1", new OpenApiInfo
            {
                Title = "FineTune API",
                Version = "v1",
                Description = "Self-hosted LoRA fine-tuning with optional differential privacy. Every /v1 route needs "
                    + "'Authorization: Bearer ft_...'; errors are application/problem+json; timestamps are Unix seconds.",
            });
            options.AddSecurityDefinition(BearerSchemeName, new OpenApiSecurityScheme
            {
                Type = SecuritySchemeType.Http,
                Scheme = "bearer",
                BearerFormat = "ft_ API key",
                Description = "An API key from 'finetune keys create'.",
            });
            // JSON values the API passes through (payloads, schemas, options) are any JSON, not the JsonNode class.
            options.MapType<JsonNode>(() => new OpenApiSchema { Description = "Any JSON value." });
            options.MapType<JsonObject>(() => new OpenApiSchema { Type = JsonSchemaType.Object, AdditionalPropertiesAllowed = true });
            options.OperationFilter<BearerOperationFilter>();
            options.OperationFilter<DatasetUploadOperationFilter>();
            options.SchemaFilter<ExampleSchemaFilter>();
            options.SupportNonNullableReferenceTypes();
            string xml = Path.Combine(AppContext.BaseDirectory, $"{Assembly.GetExecutingAssembly().GetName().Name}.xml");
            if (File.Exists(xml))
            {
                options.IncludeXmlComments(xml);
            }
        });
        return services;
    }

    /// <summary>Serves the document and the UI.</summary>
    public static IApplicationBuilder UseApiDocumentation(this IApplicationBuilder app)
    {
        app.UseSwagger();
        app.UseSwaggerUI(options =>
        {
            options.SwaggerEndpoint("/swagger/v1/swagger.json", "FineTune API v1");
            options.DocumentTitle = "FineTune API";
        });
        return app;
    }
}
