using FineTune.Persistence.Entities;
using FineTune.Persistence.Migrations;
using FineTune.Persistence.Notifications;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tenancy;
using FineTune.Persistence.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FineTune.Persistence.Tests;

public sealed class PersistenceExtensionsTests
{
    [Fact]
    public async Task AddPersistence_HostStarts_MigratesListensAndServesTheQueue()
    {
        await using TestDatabase database = await TestDatabase.CreateAsync(migrate: false);
        HostApplicationBuilder builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:FineTune"] = database.ConnectionString,
            ["JobQueueOptions:LeaseDuration"] = "00:05:00",
        });
        builder.AddPersistence();
        using IHost host = builder.Build();
        using var guard = new CancellationTokenSource(TimeSpan.FromSeconds(30));

        await host.StartAsync(guard.Token);
        try
        {
            IReadOnlyList<int> versions = await host.Services.GetRequiredService<DatabaseMigrator>().GetAppliedVersionsAsync(guard.Token);
            await host.Services.GetRequiredService<NotificationListener>().ListeningAsync(guard.Token);
            JobQueue queue = host.Services.GetRequiredService<JobQueue>();
            await using AsyncServiceScope scope = host.Services.CreateAsyncScope();
            TenantStore tenants = scope.ServiceProvider.GetRequiredService<TenantStore>();
            Guid tenantId = (await tenants.CreateTenantAsync("host-" + Guid.NewGuid(), guard.Token)).Id;
            Job job = await queue.EnqueueAsync(new NewJob(tenantId, "train.lora", "{}", "host-test"), guard.Token);
            JobLease? lease = (await queue.ClaimAsync(job.Id, new WorkerCapabilities("host-worker", "host", ["host-test"], 1), guard.Token)).Lease;

            Assert.Equal(MigrationScript.All.Select(script => script.Version), versions);
            Assert.Equal(TimeSpan.FromMinutes(5), queue.Options.LeaseDuration);
            Assert.Equal(tenantId, lease?.TenantId);
        }
        finally
        {
            await host.StopAsync(CancellationToken.None);
        }
    }
}
