using Microsoft.Extensions.Hosting;

namespace FineTune.Worker;

/// <summary>
/// The worker as a process of its own, as it runs in a deployment (Dockerfile and Dockerfile.gpu target <c>worker</c>;
/// docs/architecture.md, "Hosts"): configuration from the environment (<c>ConnectionStrings__FineTune</c>,
/// <c>WorkerOptions__Slots</c>, <c>WorkerOptions__Backends__0</c>, <c>FINETUNE_MODELS_DIR</c>, ...), stopped by Ctrl+C or
/// SIGTERM. <c>finetune worker</c> runs the same <c>AddWorker</c> host from the CLI. Internal, so hosts that reference
/// this assembly keep their own <c>Program</c>.
/// </summary>
internal static class Program
{
    public static async Task Main(string[] args)
    {
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(args);
        builder.AddWorker();
        using IHost host = builder.Build();
        await host.RunAsync();
    }
}
