using FineTune.Api;

// The API host as it runs in a deployment (Dockerfile target `api`; docs/architecture.md, "Hosts"), and as the tests
// start it. Configuration comes from the environment: ConnectionStrings__FineTune, FINETUNE_MODELS_DIR, ApiOptions__*,
// ASPNETCORE_HTTP_PORTS. `finetune serve` composes the same AddApi/UseApi/MapApi with an in-process worker.

WebApplicationBuilder builder = WebApplication.CreateBuilder(args);
builder.AddApi();

WebApplication app = builder.Build();
app.UseApi();
app.MapApi();
app.Run();

/// <summary>The API host; partial so integration tests can start it with WebApplicationFactory.</summary>
public partial class Program
{
}
