using System.CommandLine;
using FineTune.Api;
using FineTune.Contracts.Hosting;
using FineTune.Persistence;
using FineTune.Persistence.Tenancy;
using FineTune.Worker;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Npgsql;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune serve [--urls URL] [--data-dir DIR] [--models-dir DIR] [--no-worker] [--log-format text|json]</c>: the whole service in one process —
/// a private Postgres when <c>FINETUNE_DB</c> is not set, migrations, the REST API + hub, and one in-process worker.
/// Prints the URLs and an API key of the default tenant (created once; the key is kept in the data dir).
/// </summary>
internal static class ServeCommand
{
    private const string DefaultTenant = "default";

    public static Command Create(TextWriter output)
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        var dataDir = new Option<string?>("--data-dir") { Description = "Service data: the local Postgres cluster and the default API key (default: .finetune in the checkout)" };
        var modelsDir = new Option<string?>("--models-dir") { Description = "Folder whose sub-folders are the models jobs may use (default FINETUNE_MODELS_DIR, else DATA_DIR/models)" };
        var noWorker = new Option<bool>("--no-worker") { Description = "Serve the API only (run workers with finetune worker)" };
        Option<string?> logFormat = LogFormatOption.Create();
        var command = new Command("serve", "Run the service: API, hub, local Postgres and a worker") { urls, dataDir, modelsDir, noWorker, logFormat };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string data = Path.GetFullPath(parseResult.GetValue(dataDir) ?? Path.Combine(CliOptions.RepoRoot() ?? Environment.CurrentDirectory, ".finetune"));
            Directory.CreateDirectory(data);
            if (parseResult.GetValue(dataDir) is not null)
            {
                Environment.SetEnvironmentVariable("FINETUNE_PGDATA", Path.Combine(data, "pgdata"));
            }
            string connection = FineTuneEnvironment.Database ?? MigrateCommand.StartLocalPostgres();
            string models = Path.GetFullPath(parseResult.GetValue(modelsDir) ?? FineTuneEnvironment.ModelsDir ?? Path.Combine(data, "models"));
            Directory.CreateDirectory(models);

            WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(Extensions).Assembly.GetName().Name, Args = [] });
            builder.WebHost.UseUrls(parseResult.GetValue(urls)!);
            builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
            {
                ["ConnectionStrings:FineTune"] = connection,
                ["ApiOptions:ModelsDir"] = models,
                ["WorkerOptions:ModelsDir"] = models,
                ["WorkerOptions:WorkDir"] = Path.Combine(data, "work"),
            });
            LogFormatOption.Apply(parseResult.GetValue(logFormat), builder.Configuration);
            builder.AddApi();
            if (!parseResult.GetValue(noWorker))
            {
                builder.AddWorker();
            }
            await using WebApplication app = builder.Build();
            app.UseApi();
            app.MapApi();
            await app.StartAsync(cancellationToken);

            string key = await DefaultKeyAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), data, cancellationToken);
            string[] addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
            output.WriteLine($"FineTune is serving on {string.Join(", ", addresses)} (Swagger UI: {addresses.FirstOrDefault()}/swagger)");
            output.WriteLine($"API key of tenant '{DefaultTenant}': {key}");
            output.WriteLine($"models: {models}{(Directory.EnumerateDirectories(models).Any() ? "" : " (empty: add one, e.g. ./finetune init-model --config tiny --out " + Path.Combine(models, "tiny") + ")")}");
            output.WriteLine(parseResult.GetValue(noWorker) ? "no in-process worker (--no-worker)" : "one in-process worker; press Ctrl+C to stop");
            await app.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }

    /// <summary>The default tenant's key, issued once and kept (owner-readable only) in the data dir.</summary>
    private static async Task<string> DefaultKeyAsync(NpgsqlDataSource dataSource, string dataDir, CancellationToken cancellationToken)
    {
        string keyFile = Path.Combine(dataDir, "api-key");
        if (File.Exists(keyFile))
        {
            string stored = (await File.ReadAllTextAsync(keyFile, cancellationToken)).Trim();
            await using FineTuneDbContext context = FineTuneDbContext.Create(dataSource);
            if (await new TenantStore(context).AuthenticateAsync(stored, cancellationToken) is not null)
            {
                return stored;
            }
        }
        IssuedApiKey issued = await KeysCommand.IssueAsync(dataSource, DefaultTenant, "serve", cancellationToken);
        await File.WriteAllTextAsync(keyFile, issued.Token + "\n", cancellationToken);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(keyFile, UnixFileMode.UserRead | UnixFileMode.UserWrite);
        }
        return issued.Token;
    }
}
