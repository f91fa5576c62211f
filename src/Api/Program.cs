using FineTune.Api;

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
