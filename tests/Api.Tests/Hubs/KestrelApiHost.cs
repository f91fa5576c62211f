using System.Net;
using FineTune.Api.Hubs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tenancy;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;

namespace FineTune.Api.Tests.Hubs;

/// <summary>
/// Two instances of the real API (<c>Program</c>) over one database of their own, each on a real Kestrel socket at
/// 127.0.0.1 with a free port, so a client in another process (node) can reach them (WebApplicationFactory's default
/// TestServer lives only in memory), plus a worker's queue with a connection pool of its own. Used as a class fixture.
/// </summary>
public sealed class KestrelApiHost : IAsyncLifetime, IAsyncDisposable
{
    private int _disposed;
    private readonly HubTestDatabase _database = new();
    private readonly string _modelsDir = Path.Combine(Path.GetTempPath(), "ft-hubs-models-" + Guid.NewGuid().ToString("N")[..12]);
    private readonly List<Instance> _instances = [];

    /// <summary>Where the first instance listens, e.g. <c>http://127.0.0.1:41234</c>.</summary>
    public Uri BaseAddress => First.BaseAddress;

    /// <summary>Where the second instance listens.</summary>
    public Uri OtherBaseAddress => Second.BaseAddress;

    /// <summary>The first instance's services.</summary>
    public IServiceProvider Services => First.Factory.Services;

    /// <summary>The first instance's notifier, for its test signals.</summary>
    public JobEventNotifier Notifier => First.Notifier;

    /// <summary>The second instance's notifier.</summary>
    public JobEventNotifier OtherNotifier => Second.Notifier;

    /// <summary>
    /// The queue a worker process would use: the real <see cref="JobQueue"/> over its own connections, so events reach
    /// the API instances only through Postgres, as a worker's do.
    /// </summary>
    public JobQueue WorkerQueue { get; private set; } = null!;

    private Instance First => _instances.Count > 0 ? _instances[0] : throw new InvalidOperationException("not started");

    private Instance Second => _instances.Count > 1 ? _instances[1] : throw new InvalidOperationException("not started");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        await _database.InitializeAsync();
        Directory.CreateDirectory(_modelsDir);
        WorkerQueue = new JobQueue(_database.DataSource);
        for (int i = 0; i < 2; i++)
        {
            _instances.Add(await Instance.StartAsync(_database.ConnectionString, _modelsDir));
        }
    }

    /// <inheritdoc />
    public async Task DisposeAsync()
    {
        // xUnit may dispose a class fixture through both IAsyncLifetime and IAsyncDisposable; the second is a no-op,
        // so a disposed database or host is never disposed again (an ObjectDisposedException in class cleanup).
        if (Interlocked.Exchange(ref _disposed, 1) == 1)
        {
            return;
        }
        foreach (Instance instance in _instances)
        {
            await instance.Factory.DisposeAsync();
        }
        await _database.DisposeAsync();
        Directory.Delete(_modelsDir, recursive: true);
    }

    /// <inheritdoc />
    ValueTask IAsyncDisposable.DisposeAsync()
    {
        return new ValueTask(DisposeAsync());
    }

    /// <summary>A new tenant and an API key of it, made through the API's <see cref="TenantStore"/>.</summary>
    public async Task<(Guid TenantId, string ApiKey)> CreateTenantAsync()
    {
        using IServiceScope scope = First.Factory.Services.CreateScope();
        TenantStore tenants = scope.ServiceProvider.GetRequiredService<TenantStore>();
        Tenant tenant = await tenants.CreateTenantAsync("tenant-" + Guid.NewGuid().ToString("N"), CancellationToken.None);
        IssuedApiKey key = await tenants.IssueApiKeyAsync(tenant.Id, "hub-tests", CancellationToken.None);
        return (tenant.Id, key.Token);
    }

    private sealed record Instance(Factory Factory, Uri BaseAddress, JobEventNotifier Notifier)
    {
        public static async Task<Instance> StartAsync(string connectionString, string modelsDir)
        {
            var factory = new Factory(connectionString, modelsDir);
            factory.UseKestrel(options => options.Listen(IPAddress.Loopback, 0));
            factory.StartServer();
            IServerAddressesFeature addresses = factory.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()
                ?? throw new InvalidOperationException("Kestrel reported no addresses");
            JobEventNotifier notifier = factory.Services.GetRequiredService<JobEventNotifier>();
            // Live events flow once LISTEN is up; waiting here keeps the tests' timing out of it.
            await notifier.ListeningAsync(CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(30));
            return new Instance(factory, new Uri(addresses.Addresses.Single()), notifier);
        }
    }

    private sealed class Factory(string connectionString, string modelsDir) : WebApplicationFactory<Program>
    {
        protected override void ConfigureWebHost(IWebHostBuilder builder)
        {
            // UseSetting, not ConfigureAppConfiguration: AddPersistence reads the connection string while Program builds.
            builder.UseSetting("ConnectionStrings:FineTune", connectionString);
            builder.UseSetting("ApiOptions:ModelsDir", modelsDir);
            // Polling out of reach: a lost wake-up fails a test by timeout instead of passing it slowly.
            builder.UseSetting("JobsHubOptions:PollInterval", "01:00:00");
        }
    }
}
