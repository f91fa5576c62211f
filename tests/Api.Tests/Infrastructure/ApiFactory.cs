using System.Net.Http.Headers;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tenancy;
using FineTune.Testing;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Npgsql;

namespace FineTune.Api.Tests.Infrastructure;

/// <summary>
/// The real API host over a database of its own (created with a random name, migrated by the host at start, dropped
/// at the end) and a models folder holding <c>tinystories-656k</c>. Used as a class fixture: test classes never
/// share rows, and tests inside a class each create their own tenants.
/// </summary>
public class ApiFactory : WebApplicationFactory<Program>, IAsyncLifetime
{
    /// <summary>The upload limit configured for tests, small enough to pass cheaply.</summary>
    public const long MaxDatasetBytes = 256 * 1024;

    /// <summary>The model every test job names.</summary>
    public const string ModelName = "tinystories-656k";

    private readonly string _modelsDir = Path.Combine(Path.GetTempPath(), "ft-api-models-" + Guid.NewGuid().ToString("N")[..12]);
    private ScratchDatabase? _database;

    /// <summary>The connection string of this factory's database.</summary>
    public string ConnectionString => _database?.ConnectionString ?? throw new InvalidOperationException("the factory is not initialised");

    /// <inheritdoc />
    public async Task InitializeAsync()
    {
        _database = await ScratchDatabase.CreateAsync("ft_api_test_");
        Directory.CreateDirectory(_modelsDir);
        Directory.CreateSymbolicLink(Path.Combine(_modelsDir, ModelName), RepoPaths.Model(ModelName));
        // Starting the host runs the migrations; tests then see a ready schema.
        StartHost();
    }

    /// <summary>Starts the host: in memory here; <see cref="KestrelApiFactory"/> starts it on a real socket.</summary>
    protected virtual void StartHost() => _ = Server;

    /// <summary>A client of the host, without a key.</summary>
    protected virtual HttpClient NewClient() => CreateClient();

    /// <inheritdoc />
    async Task IAsyncLifetime.DisposeAsync()
    {
        try
        {
            await DisposeAsync();
        }
        finally
        {
            NpgsqlConnection.ClearAllPools();
            if (_database is not null)
            {
                await _database.DisposeAsync();
            }
            Directory.Delete(_modelsDir, recursive: true);
        }
    }

    /// <summary>A new tenant with a key, and a client that sends it.</summary>
    public async Task<TenantClient> CreateTenantClientAsync()
    {
        using IServiceScope scope = Services.CreateScope();
        TenantStore tenants = scope.ServiceProvider.GetRequiredService<TenantStore>();
        Tenant tenant = await tenants.CreateTenantAsync("tenant-" + Guid.NewGuid().ToString("N"), CancellationToken.None);
        IssuedApiKey key = await tenants.IssueApiKeyAsync(tenant.Id, "tests", CancellationToken.None);
        HttpClient client = NewClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", key.Token);
        return new TenantClient(tenant.Id, key.Token, client);
    }

    /// <summary>The host's job queue, for playing a worker's part.</summary>
    public JobQueue Queue => Services.GetRequiredService<JobQueue>();

    /// <inheritdoc />
    protected override void ConfigureWebHost(IWebHostBuilder builder)
    {
        // UseSetting, not ConfigureAppConfiguration: AddPersistence reads the connection string while Program builds.
        builder.UseSetting("ConnectionStrings:FineTune", ConnectionString);
        builder.UseSetting("ApiOptions:ModelsDir", _modelsDir);
        builder.UseSetting("ApiOptions:MaxDatasetBytes", MaxDatasetBytes.ToString(System.Globalization.CultureInfo.InvariantCulture));
    }
}
