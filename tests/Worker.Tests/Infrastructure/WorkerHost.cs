using FineTune.Training.Backends;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>
/// A worker process in miniature: a generic host built with <c>AddWorker</c> exactly as <c>finetune worker</c> builds
/// it, on the test's database, models directory and queue clock, with Hangfire's timings shortened (invisibility, schedule
/// polling, dispatch sweep) so redeliveries happen in seconds.
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
    /// <param name="slots">Concurrent jobs; null leaves the count to the backends' devices.</param>
    /// <param name="memoryBytes">Memory per job it offers the queue (default: the machine's).</param>
    /// <param name="realClock">Use the database clock instead of the test's manual clock (when another process works on
    /// the same jobs).</param>
    public static async Task<WorkerHost> StartAsync(
        WorkerTestContext context,
        string name,
        ITrainingBackend? backend = null,
        TimeSpan? heartbeatInterval = null,
        int? slots = 1,
        long? memoryBytes = null,
        bool realClock = false)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings { EnvironmentName = "Test" });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["HangfireOptions:InvisibilityTimeout"] = context.InvisibilityTimeout.ToString(),
            ["HangfireOptions:SchedulePollingInterval"] = "00:00:01",
            ["HangfireOptions:QueuePollInterval"] = "00:00:01",
            ["HangfireOptions:DispatchSweepInterval"] = "00:00:00.200",
            ["ConnectionStrings:FineTune"] = context.ConnectionString,
            ["PersistenceOptions:MigrateOnStart"] = "false",
            ["JobQueueOptions:LeaseDuration"] = context.QueueOptions.LeaseDuration.ToString(),
            ["WorkerOptions:ModelsDir"] = context.ModelsDir,
            ["WorkerOptions:WorkDir"] = context.WorkDir,
            ["WorkerOptions:HeartbeatInterval"] = (heartbeatInterval ?? TimeSpan.FromSeconds(1)).ToString(),
            ["WorkerOptions:Backends:0"] = "libtorch-cpu",
        });
        if (slots is int count)
        {
            builder.Configuration["WorkerOptions:Slots"] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        if (memoryBytes is long bytes)
        {
            builder.Configuration["WorkerOptions:MemoryBytes"] = bytes.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }
        builder.Logging.AddProvider(new XunitLoggerProvider(context.Output, name));
        builder.Services.AddSingleton<TimeProvider>(realClock ? TimeProvider.System : context.Clock);
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
