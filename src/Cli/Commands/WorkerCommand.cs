using System.CommandLine;
using System.Globalization;
using FineTune.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FineTune.Cli.Commands;

/// <summary>
/// <c>finetune worker [--connection CS] [--data-dir DIR] [--db-port N] [--models-dir DIR] [--slots N] [--backend NAME]... [--log-format text|json]</c>: runs a training worker
/// in this process until Ctrl+C or SIGTERM, which stop each running job at its next step and release it to the queue.
/// It is the generic host of src/Worker (<c>AddWorker</c>); configuration also comes from the environment
/// (<c>WorkerOptions__*</c>, <c>JobQueueOptions__*</c>), and the options here win over it.
/// </summary>
internal static class WorkerCommand
{
    public static Command Create(TextWriter output)
    {
        Option<string?> connection = LocalPostgres.ConnectionOption();
        var modelsDir = new Option<string?>("--models-dir") { Description = "Folder of model folders (default: FINETUNE_MODELS_DIR, else ./models)" };
        var slots = new Option<int?>("--slots") { Description = "Jobs run at once (default 1: one job per GPU)" };
        var backends = new Option<string[]>("--backend") { Description = "Backend to offer, repeatable (default: every backend this machine can run)", AllowMultipleArgumentsPerToken = true };
        var hub = new Option<bool>("--allow-hub-downloads") { Description = "Download a job's model from the Hugging Face hub when it is not in the models folder" };
        var workDir = new Option<string?>("--work-dir") { Description = "Scratch folder for running jobs (default: the system temp folder)" };
        Option<string?> logFormat = LogFormatOption.Create();
        Option<string?> dataDir = LocalPostgres.DataDirOption();
        Option<int?> port = LocalPostgres.PortOption();
        var command = new Command("worker", "Run a training worker: claim queued jobs and train them") { connection, dataDir, port, modelsDir, slots, backends, hub, workDir, logFormat };
        command.SetAction(async (parseResult, cancellationToken) =>
        {
            var settings = new Dictionary<string, string?>
            {
                // The data dir's private Postgres (the one serve --data-dir runs) unless another is named.
                ["ConnectionStrings:FineTune"] = LocalPostgres.ConnectionString(parseResult.GetValue(connection), parseResult.GetValue(dataDir), parseResult.GetValue(port)),
            };
            if (parseResult.GetValue(modelsDir) is string models)
            {
                settings["WorkerOptions:ModelsDir"] = Path.GetFullPath(models);
            }
            if (parseResult.GetValue(slots) is int slotCount)
            {
                settings["WorkerOptions:Slots"] = slotCount.ToString(CultureInfo.InvariantCulture);
            }
            string[] offered = parseResult.GetValue(backends) ?? [];
            for (int i = 0; i < offered.Length; i++)
            {
                settings[$"WorkerOptions:Backends:{i}"] = offered[i];
            }
            if (parseResult.GetValue(hub))
            {
                settings["WorkerOptions:AllowHubDownloads"] = "true";
            }
            if (parseResult.GetValue(workDir) is string work)
            {
                settings["WorkerOptions:WorkDir"] = Path.GetFullPath(work);
            }

            HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = [] });
            builder.Configuration.AddInMemoryCollection(settings);
            LogFormatOption.Apply(parseResult.GetValue(logFormat), builder.Configuration);
            builder.AddWorker();
            using IHost host = builder.Build();
            await host.StartAsync(cancellationToken);
            JobRunner runner = host.Services.GetRequiredService<JobRunner>();
            output.WriteLine($"worker {runner.Capabilities.WorkerId} running ({string.Join(", ", runner.Capabilities.Backends)}); Ctrl+C stops it");
            await host.WaitForShutdownAsync(cancellationToken);
            return 0;
        });
        return command;
    }
}
