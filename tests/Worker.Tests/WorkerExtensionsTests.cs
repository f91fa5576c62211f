using FineTune.Persistence.Queue;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace FineTune.Worker.Tests;

public sealed class WorkerExtensionsTests
{
    [Fact]
    public void AddWorker_Twice_RegistersOneRunnerAndOnePersistence()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?> { ["ConnectionStrings:FineTune"] = "Host=localhost" });

        builder.AddWorker();
        builder.AddWorker();

        Assert.Single(builder.Services, descriptor => descriptor.ServiceType == typeof(JobRunner));
        Assert.Single(builder.Services, descriptor => descriptor.ServiceType == typeof(JobQueue));
    }

    [Fact]
    public void AddWorker_BindsOptionsAndRaisesTheShutdownTimeout()
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:FineTune"] = "Host=localhost",
            ["WorkerOptions:Slots"] = "3",
            ["WorkerOptions:ModelsDir"] = "/srv/models",
            ["WorkerOptions:Backends:0"] = "libtorch-cpu",
            ["WorkerOptions:ShutdownTimeout"] = "00:05:00",
        });

        builder.AddWorker();
        using ServiceProvider services = builder.Services.BuildServiceProvider();

        WorkerOptions options = services.GetRequiredService<IOptions<WorkerOptions>>().Value;
        Assert.Equal(3, options.Slots);
        Assert.Equal("/srv/models", options.ModelsDir);
        Assert.Equal(["libtorch-cpu"], options.Backends);
        Assert.True(services.GetRequiredService<IOptions<HostOptions>>().Value.ShutdownTimeout >= TimeSpan.FromMinutes(5));
    }
}
