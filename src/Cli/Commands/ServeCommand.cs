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
/// <c>finetune serve [--urls URL] [--data-dir DIR] [--db-port N] [--keep-db] [--models-dir DIR] [--no-worker] [--log-format text|json]</c>: the
/// whole service in one process — a private Postgres when <c>FINETUNE_DB</c> is not set (<see cref="LocalPostgres"/>;
/// one serve started is stopped with it unless <c>--keep-db</c>), migrations, the REST API + hub, and one in-process
/// worker. Prints the URLs and an API key of the default tenant (created once; the key is kept in the data dir);
/// <c>/readyz</c> is 503 until that key is written.
/// </summary>
internal static class ServeCommand
{
    private const string DefaultTenant = "default";

    public static Command Create(TextWriter output)
    {
        var urls = new Option<string>("--urls") { Description = "Addresses to listen on", DefaultValueFactory = _ => "http://127.0.0.1:8080" };
        Option<string?> dataDir = LocalPostgres.DataDirOption();
        Option<int?> dbPort = LocalPostgres.PortOption();
        var keepDb = new Option<bool>("--keep-db") { Description = "Leave the private Postgres running when serve stops (stop it later with finetune db stop)" };
        var modelsDir = new Option<string?>("--models-dir") { Description = "Folder whose sub-folders are the models jobs may use (default FINETUNE_MODELS_DIR, else DATA_DIR/models)" };
        var noWorker = new Option<bool>("--no-worker") { Description = "Serve the API only (run workers with finetune worker)" };
        Option<string?> logFormat = LogFormatOption.Create();
        var command = new Command("serve", "Run the service: API, hub, local Postgres and a worker") { urls, dataDir, dbPort, keepDb, modelsDir, noWorker, logFormat };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            string? dataDirOption = parseResult.GetValue(dataDir);
            string data = LocalPostgres.DataDir(dataDirOption);
            Directory.CreateDirectory(data);
            string? external = LocalPostgres.ExternalConnectionString(null);
            (string connection, bool startedPostgres) = external is null ? LocalPostgres.Start(dataDirOption, parseResult.GetValue(dbPort)) : (external, false);
            bool stopPostgres = startedPostgres && !parseResult.GetValue(keepDb);
            try
            {
                var settings = new ServeSettings(parseResult.GetValue(urls)!, parseResult.GetValue(modelsDir), parseResult.GetValue(noWorker), parseResult.GetValue(logFormat), data, connection,
                    stopPostgres ? "stops with serve (--keep-db keeps it)" : null);
                return await ServeAsync(settings, output, cancellationToken);
            }
            finally
            {
                if (stopPostgres)
                {
                    // Serve started this cluster, so it is serve's to stop: a private Postgres never outlives it unasked.
                    LocalPostgres.Stop(dataDirOption);
                    output.WriteLine("private Postgres stopped");
                }
            }
        });
        return command;
    }

    private static async Task<int> ServeAsync(ServeSettings settings, TextWriter output, CancellationToken cancellationToken)
    {
        (string data, string connection) = (settings.DataDir, settings.Connection);
        string models = Path.GetFullPath(settings.ModelsDir ?? FineTuneEnvironment.ModelsDir ?? Path.Combine(data, "models"));
        Directory.CreateDirectory(models);

        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { ApplicationName = typeof(Extensions).Assembly.GetName().Name, Args = [] });
        builder.WebHost.UseUrls(settings.Urls);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:FineTune"] = connection,
            ["ApiOptions:ModelsDir"] = models,
            ["WorkerOptions:ModelsDir"] = models,
            ["WorkerOptions:WorkDir"] = Path.Combine(data, "work"),
        });
        LogFormatOption.Apply(settings.LogFormat, builder.Configuration);
        builder.AddApi();
        if (!settings.NoWorker)
        {
            builder.AddWorker();
        }
        await using WebApplication app = builder.Build();
        app.UseApi();
        app.MapApi();
        // Not ready until the key file below is written: a script that waits for /readyz may read it at once.
        StartupGate gate = app.Services.GetRequiredService<StartupGate>();
        gate.Hold("the default tenant's API key is not written yet");
        await app.StartAsync(cancellationToken);

        string key = await DefaultKeyAsync(app.Services.GetRequiredService<NpgsqlDataSource>(), data, cancellationToken);
        gate.Release();
        string[] addresses = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()?.Addresses.ToArray() ?? [];
        output.WriteLine($"FineTune is serving on {string.Join(", ", addresses)} (Swagger UI: {addresses.FirstOrDefault()}/swagger)");
        output.WriteLine($"API key of tenant '{DefaultTenant}': {key}");
        output.WriteLine($"models: {models}{(Directory.EnumerateDirectories(models).Any() ? "" : " (empty: add one, e.g. ./finetune init-model --config tiny --out " + Path.Combine(models, "tiny") + ")")}");
        var database = new NpgsqlConnectionStringBuilder(connection);
        output.WriteLine(settings.PostgresLifetime is null
            ? $"Postgres: {database.Host}:{database.Port}"
            : $"Postgres: {database.Host}:{database.Port}, private to {data}; {settings.PostgresLifetime}");
        output.WriteLine(settings.NoWorker ? "no in-process worker (--no-worker)" : "one in-process worker; press Ctrl+C to stop");
        await app.WaitForShutdownAsync(cancellationToken);
        return 0;
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

    /// <summary>What serve was asked for, resolved: <paramref name="PostgresLifetime"/> is said of a private Postgres serve will stop.</summary>
    private sealed record ServeSettings(string Urls, string? ModelsDir, bool NoWorker, string? LogFormat, string DataDir, string Connection, string? PostgresLifetime);
}
