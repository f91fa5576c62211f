using FineTune.Api;
using FineTune.Api.Endpoints;
using FineTune.Api.Hubs;

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddApi();

WebApplication app = builder.Build();
app.UseApi();
app.MapHealthEndpoints();

RouteGroupBuilder v1 = app.MapGroup("/v1").RequireAuthorization();
v1.MapDatasetsEndpoints();
v1.MapModelsEndpoints();
v1.MapBackendsEndpoints();
v1.MapJobsEndpoints();
v1.MapJobEventsEndpoints();
v1.MapJobArtifactsEndpoints();
v1.MapWorkersEndpoints();

app.MapJobsHub();
app.Run();

/// <summary>The API host; partial so integration tests can start it with WebApplicationFactory.</summary>
public partial class Program
{
}
