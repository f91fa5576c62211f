using System.Text.Json;
using Microsoft.AspNetCore.Http.Json;
using Microsoft.Extensions.Options;
using Microsoft.OpenApi;
using Swashbuckle.AspNetCore.SwaggerGen;

namespace FineTune.Api.OpenApi;

/// <summary>
/// Sets each schema's example from <see cref="ApiExamples"/>, serialized with the API's own JSON options so the
/// example shows exactly the wire format (snake_case, Unix seconds).
/// </summary>
/// <param name="jsonOptions">The API's JSON options.</param>
public sealed class ExampleSchemaFilter(IOptions<JsonOptions> jsonOptions) : ISchemaFilter
{
    /// <inheritdoc />
    public void Apply(IOpenApiSchema schema, SchemaFilterContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (schema is not OpenApiSchema concrete || ApiExamples.For(context.Type) is not { } example)
        {
            return;
        }
        concrete.Examples = [JsonSerializer.SerializeToNode(example, example.GetType(), jsonOptions.Value.SerializerOptions)!];
    }
}
