using FineTune.Training.Backends;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>
/// A worker process in miniature: a generic host built with <c>AddWorker</c> exactly as <c>finetune worker</c> builds
/// it, on the test's database, models directory and queue clock. The rescuer is off, so tests rescue when they choose.
/// </summary>
internal sealed class WorkerHost : IAsyncDisposable
{
    private readonly IHost _host;
    private bool _stopped;

    private WorkerHost(IHost host)
    {
        _host = host;
        Runner = host.Services.GetRequiredService<JobRunner>();
    }

    public JobRunner Runner { get; }

    public JobSignals Signals => Runner.Signals;

    public IServiceProvider Services => _host.Services;

    /// <summary>Starts a worker.</summary>
    /// <param name="context">The test's database, folders and clock.</param>
    /// <param name="name">Prefix of its log lines.</param>
    /// <param name="backend">The libtorch-cpu backend to run (default: the real one).</param>
    /// <param name="heartbeatInterval">How often leases are renewed (default 1 s).</param>
    /// <param name="slots">Concurrent jobs.</param>
    /// <param name="memoryBytes">Memory per job it offers the queue (default: the machine's).</param>
    public static async Task<WorkerHost> StartAsync(
        WorkerTestContext context, string name, ITrainingBackend? backend = null, TimeSpan? heartbeatInterval = null, int slots = 1, long? memoryBytes = null)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:FineTune"] = context.ConnectionString,
            ["PersistenceOptions:MigrateOnStart"] = "false",
            ["PersistenceOptions:RunRescuer"] = "false",
            ["JobQueueOptions:PollInterval"] = context.QueueOptions.PollInterval.ToString(),
            ["JobQueueOptions:LeaseDuration"] = context.QueueOptions.LeaseDuration.ToString(),
            ["WorkerOptions:ModelsDir"] = context.ModelsDir,
            ["WorkerOptions:WorkDir"] = context.WorkDir,
            ["WorkerOptions:Slots"] = slots.ToString(System.Globalization.CultureInfo.InvariantCulture),
            ["WorkerOptions:HeartbeatInterval"] = (heartbeatInterval ?? TimeSpan.FromSeconds(1)).ToString(),
            ["WorkerOptions:Backends:0"] = "libtorch-cpu",
        });
        if (memoryBytes is long bytes)
        {
            builder.Configuration["WorkerOptions:MemoryBytes"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        builder.Logging.AddProvider(new XunitLoggerProvider(context.Output, name));
        builder.Services.AddSingleton<TimeProvider>(context.Clock);
        builder.Services.AddSingleton(new BackendCatalog([backend ?? LibtorchBackend.Cpu]));
        builder.AddWorker();
        IHost host = builder.Build();
        await host.StartAsync();
        return new WorkerHost(host);
    }

    /// <summary>Stops the host gracefully: running jobs stop at their next step and are released.</summary>
    public async Task StopAsync()
    {
        if (!_stopped)
        {
            _stopped = true;
            await _host.StopAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _host.Dispose();
    }
}
