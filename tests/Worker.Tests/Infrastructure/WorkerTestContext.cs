using System.Text.Json;
using System.Text.Json.Nodes;
using FineTune.Persistence;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Events;
using FineTune.Persistence.Migrations;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tenancy;
using FineTune.Testing;
using Npgsql;

namespace FineTune.Worker.Tests.Infrastructure;

/// <summary>
/// What one worker test needs, all of its own: a migrated database (created here, dropped at the end), a tenant, a
/// models directory holding tinystories-656k, a work directory, and helpers to upload datasets, enqueue jobs and read
/// what the worker wrote, all through the Persistence APIs.
/// </summary>
internal sealed class WorkerTestContext : IAsyncDisposable
{
    public const string Model = "tinystories-656k";

    private static readonly string s_alpaca = RepoPaths.Asset(Path.Combine("datasets", "alpaca-en-demo", "alpaca_en_demo.json"));

    private readonly ScratchDatabase _database;
    private readonly string _root;

    private WorkerTestContext(ScratchDatabase database, ITestOutputHelper output)
    {
        _database = database;
        Output = output;
        DataSource = FineTuneDataSource.Create(ConnectionString);
        _root = Path.Combine(Path.GetTempPath(), "finetune-worker-tests-" + Guid.NewGuid().ToString("N")[..12]);
        ModelsDir = Path.Combine(_root, "models");
        WorkDir = Path.Combine(_root, "work");
        Directory.CreateDirectory(ModelsDir);
        Directory.CreateSymbolicLink(Path.Combine(ModelsDir, Model), RepoPaths.Model(Model));
    }

    public string DatabaseName => _database.Name;

    public string ConnectionString => _database.ConnectionString;

    public NpgsqlDataSource DataSource { get; }

    public ITestOutputHelper Output { get; }

    public string ModelsDir { get; }

    public string WorkDir { get; }

    public Guid TenantId { get; private set; }

    /// <summary>The queue clock; tests that expire leases move it.</summary>
    public ManualTimeProvider Clock { get; } = new();

    public JobQueueOptions QueueOptions { get; } = new();

    /// <summary>Hangfire's invisibility timeout in this test's workers: how long a killed worker's job waits for another.</summary>
    public TimeSpan InvisibilityTimeout { get; set; } = TimeSpan.FromMinutes(5);

    public JobQueue Queue => new(DataSource, QueueOptions, Clock);

    public ArtifactStore Artifacts => new(DataSource);

    public static CancellationToken Timeout(int minutes = 4)
    {
        return new CancellationTokenSource(TimeSpan.FromMinutes(minutes)).Token;
    }

    public static async Task<WorkerTestContext> CreateAsync(ITestOutputHelper output)
    {
        ScratchDatabase database = await ScratchDatabase.CreateAsync("ft_worker_");
        var context = new WorkerTestContext(database, output);
        await new DatabaseMigrator(context.DataSource).MigrateAsync(CancellationToken.None);
        await using FineTuneDbContext db = FineTuneDbContext.Create(context.DataSource);
        Tenant tenant = await new TenantStore(db).CreateTenantAsync("tenant-" + database.Name, CancellationToken.None);
        context.TenantId = tenant.Id;
        return context;
    }

    public async Task<Guid> UploadAlpacaAsync()
    {
        await using FileStream content = File.OpenRead(s_alpaca);
        return await UploadAsync("alpaca_en_demo.json", content);
    }

    public async Task<Guid> UploadAsync(string fileName, Stream content)
    {
        Dataset dataset = await new DatasetStore(DataSource).CreateAsync(new DatasetUpload(TenantId, fileName), content, null, CancellationToken.None);
        return dataset.Id;
    }

    /// <summary>A small spec: tinystories-656k, one CPU thread, sequences of 128 tokens, micro-batches of 2.</summary>
    public static JsonObject Spec(Guid datasetId, int steps, int saveEvery = 0)
    {
        return new JsonObject
        {
            ["model"] = Model,
            ["training_file"] = datasetId.ToString(),
            ["backend"] = "libtorch-cpu",
            ["backend_options"] = new JsonObject { ["threads"] = 1 },
            ["seed"] = 11,
            ["hyperparameters"] = new JsonObject
            {
                ["steps"] = steps,
                ["batch_size"] = 2,
                ["max_seq_len"] = 128,
                ["learning_rate"] = 0.005,
                ["save_every"] = saveEvery,
            },
            ["lora"] = new JsonObject { ["r"] = 4, ["alpha"] = 8, ["dropout"] = 0.0 },
        };
    }

    public async Task<Job> EnqueueAsync(JsonObject spec, Guid? datasetId = null, long requiredMemoryBytes = 0, short priority = 2)
    {
        var job = new NewJob(TenantId, "train.lora", spec.ToJsonString(), "libtorch-cpu")
        {
            DatasetId = datasetId,
            RequiredMemoryBytes = requiredMemoryBytes,
            Priority = priority,
        };
        return await Queue.EnqueueAsync(job, CancellationToken.None);
    }

    public async Task<Job> GetJobAsync(Guid jobId)
    {
        return await Queue.GetAsync(TenantId, jobId, CancellationToken.None) ?? throw new InvalidOperationException($"no job {jobId}");
    }

    public async Task<IReadOnlyList<JobEvent>> EventsAsync(Guid jobId)
    {
        return await new JobEventLog(DataSource).ReadEventsAsync(TenantId, jobId, 0, 100_000, CancellationToken.None);
    }

    /// <summary>The payloads of a job's events of one type, in log order.</summary>
    public async Task<List<JsonElement>> PayloadsAsync(Guid jobId, string type)
    {
        return (await EventsAsync(jobId)).Where(e => e.Type == type).Select(e => JsonDocument.Parse(e.Payload).RootElement.Clone()).ToList();
    }

    /// <summary>Waits until the job has recorded a checkpoint (polling its rows); returns its step.</summary>
    public async Task<long> WaitForCheckpointAsync(Guid jobId, CancellationToken cancellationToken)
    {
        while (true)
        {
            await using NpgsqlCommand command = DataSource.CreateCommand("SELECT max(step) FROM checkpoint WHERE job_id = @id");
            command.Parameters.AddWithValue("id", jobId);
            if (await command.ExecuteScalarAsync(cancellationToken) is long step)
            {
                return step;
            }
            await Task.Delay(50, cancellationToken);
        }
    }

    /// <summary>The Hangfire state (<c>Enqueued</c>, <c>Processing</c>, <c>Deleted</c>, ...) of the job that delivers
    /// <paramref name="jobId"/>, read from Hangfire's own tables; null when it was never handed to Hangfire.</summary>
    public async Task<string?> HangfireStateAsync(Guid jobId)
    {
        await using NpgsqlCommand command = DataSource.CreateCommand(
            "SELECT h.statename FROM job j JOIN hangfire.job h ON h.id::text = j.hangfire_job_id WHERE j.id = @id");
        command.Parameters.AddWithValue("id", jobId);
        return await command.ExecuteScalarAsync() as string;
    }

    public async Task<byte[]> ReadArtifactAsync(Guid jobId, string name)
    {
        Artifact artifact = await Artifacts.GetAsync(TenantId, jobId, name, CancellationToken.None) ?? throw new InvalidOperationException($"no artifact {name}");
        await using Stream content = Artifacts.OpenRead(artifact);
        using var copy = new MemoryStream();
        await content.CopyToAsync(copy);
        return copy.ToArray();
    }

    public async ValueTask DisposeAsync()
    {
        await DataSource.DisposeAsync();
        await _database.DisposeAsync();
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
            // A worker that lost its job may still be deleting its folder.
        }
    }
}
