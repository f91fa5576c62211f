using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;
using FineTune.Persistence;
using FineTune.Persistence.Blobs;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Migrations;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tenancy;
using FineTune.Worker;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Npgsql;

namespace FineTune.Benchmarks;

/// <summary>
/// The race of <c>finetune bench service</c>: N workers (each a real worker host with its own Hangfire server, as
/// <c>finetune worker</c> builds it) over M short real jobs (1 LoRA step of a 16-record text dataset on libtorch-cpu),
/// all submitted as fast as the database takes them, then counted from both sides: our tables (a job more than one
/// attempt wrote to is a duplicate run; a job not finished is stuck) and Hangfire's (<c>hangfire.job</c>,
/// <c>hangfire.state</c>, <c>hangfire.jobqueue</c>: deliveries beyond the first, jobs not in a final state, queue
/// entries left). It runs in a database of its own, created on the service's Postgres and dropped afterwards, so the
/// service's own worker takes no part and the service's data is untouched.
/// </summary>
internal static class WorkerRace
{
    private static readonly TimeSpan s_stallTimeout = TimeSpan.FromMinutes(2);

    public static async Task<WorkerRaceResult> RunAsync(string connection, int workers, int jobs, string model, string? modelsDir, CancellationToken cancellationToken)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        ArgumentOutOfRangeException.ThrowIfLessThan(jobs, 1);
        string database = "finetune_race_" + Guid.NewGuid().ToString("N")[..12];
        string raceConnection = new NpgsqlConnectionStringBuilder(connection) { Database = database, Pooling = true }.ConnectionString;
        string workDir = Path.Combine(Path.GetTempPath(), database);
        await ExecuteAsync(connection, $"CREATE DATABASE \"{database}\"", cancellationToken);
        var hosts = new List<IHost>();
        try
        {
            await using NpgsqlDataSource dataSource = FineTuneDataSource.Create(raceConnection);
            await new DatabaseMigrator(dataSource).MigrateAsync(cancellationToken);
            (Guid tenantId, Guid datasetId) = await SeedAsync(dataSource, cancellationToken);
            for (int i = 0; i < workers; i++)
            {
                hosts.Add(await StartWorkerAsync(raceConnection, modelsDir, Path.Combine(workDir, $"w{i}"), cancellationToken));
            }

            // Submitted as the API does: the row commits, then the job is handed to Hangfire.
            var queue = new JobQueue(dataSource);
            var dispatcher = new JobDispatcher(dataSource,
                HangfireSetup.CreateStorage(dataSource, new HangfireOptions()), HangfireSetup.CreateFilters(RetryPolicy.Default));
            string spec = Spec(model, datasetId).ToJsonString();
            var clock = Stopwatch.StartNew();
            for (int i = 0; i < jobs; i++)
            {
                Job job = await queue.EnqueueAsync(new NewJob(tenantId, "train.lora", spec, "libtorch-cpu") { DatasetId = datasetId }, cancellationToken);
                await dispatcher.DispatchAsync(job.Id, cancellationToken);
            }
            double submitSeconds = clock.Elapsed.TotalSeconds;
            int unfinished = await WaitForAllFinishedAsync(dataSource, jobs, cancellationToken);
            double wallSeconds = clock.Elapsed.TotalSeconds;
            await WaitForHangfireIdleAsync(dataSource, cancellationToken);
            await StopAsync(hosts);
            return await CountAsync(dataSource, database, workers, jobs, submitSeconds, wallSeconds, unfinished, cancellationToken);
        }
        finally
        {
            await StopAsync(hosts);
            NpgsqlConnection.ClearAllPools();
            await ExecuteAsync(connection, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)", CancellationToken.None);
            if (Directory.Exists(workDir))
            {
                Directory.Delete(workDir, recursive: true);
            }
        }
    }

    private static JsonObject Spec(string model, Guid datasetId)
    {
        return new JsonObject
        {
            ["model"] = model,
            ["training_file"] = datasetId.ToString(),
            ["backend"] = "libtorch-cpu",
            ["backend_options"] = new JsonObject { ["threads"] = 1 },
            ["hyperparameters"] = new JsonObject { ["steps"] = 1, ["batch_size"] = 1, ["max_seq_len"] = 64 },
        };
    }

    private static async Task<(Guid TenantId, Guid DatasetId)> SeedAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        Guid tenantId;
        await using (FineTuneDbContext db = FineTuneDbContext.Create(dataSource))
        {
            tenantId = (await new TenantStore(db).CreateTenantAsync("bench-race", cancellationToken)).Id;
        }
        string lines = string.Concat(Enumerable.Range(0, 16)
            .Select(i => new JsonObject { ["text"] = $"Once upon a time there was a little robot number {i}. It liked to count." }.ToJsonString() + "\n"));
        await using var content = new MemoryStream(Encoding.UTF8.GetBytes(lines));
        Dataset dataset = await new DatasetStore(dataSource).CreateAsync(new DatasetUpload(tenantId, "bench-race.jsonl"), content, null, cancellationToken);
        return (tenantId, dataset.Id);
    }

    private static async Task<IHost> StartWorkerAsync(string connection, string? modelsDir, string workDir, CancellationToken cancellationToken)
    {
        HostApplicationBuilder builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["ConnectionStrings:FineTune"] = connection,
            ["PersistenceOptions:MigrateOnStart"] = "false",
            ["WorkerOptions:WorkDir"] = workDir,
            ["WorkerOptions:Slots"] = "1",
            ["WorkerOptions:Backends:0"] = "libtorch-cpu",
        });
        if (modelsDir is not null)
        {
            builder.Configuration["WorkerOptions:ModelsDir"] = modelsDir;
        }
        builder.Logging.ClearProviders();
        builder.AddWorker();
        IHost host = builder.Build();
        await host.StartAsync(cancellationToken);
        return host;
    }

    private static async Task StopAsync(List<IHost> hosts)
    {
        await Task.WhenAll(hosts.Select(host => host.StopAsync()));
        foreach (IHost host in hosts)
        {
            host.Dispose();
        }
        hosts.Clear();
    }

    // Waits until every job is final; gives up when none has finished for s_stallTimeout. Returns how many are not.
    private static async Task<int> WaitForAllFinishedAsync(NpgsqlDataSource dataSource, int jobs, CancellationToken cancellationToken)
    {
        int unfinished = jobs;
        var sinceProgress = Stopwatch.StartNew();
        while (unfinished > 0 && sinceProgress.Elapsed < s_stallTimeout)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
            int now = (int)await ScalarAsync<long>(dataSource, "SELECT count(*) FROM job WHERE finalized_at IS NULL", cancellationToken);
            if (now < unfinished)
            {
                sinceProgress.Restart();
            }
            unfinished = now;
        }
        return unfinished;
    }

    // Hangfire marks a delivery Succeeded just after our row is final; give the last ones a moment (at most 30 s).
    private static async Task WaitForHangfireIdleAsync(NpgsqlDataSource dataSource, CancellationToken cancellationToken)
    {
        var waited = Stopwatch.StartNew();
        while (waited.Elapsed < TimeSpan.FromSeconds(30)
            && await ScalarAsync<long>(dataSource, "SELECT count(*) FROM hangfire.job WHERE statename IN ('Enqueued', 'Processing')", cancellationToken) > 0)
        {
            await Task.Delay(TimeSpan.FromMilliseconds(250), cancellationToken);
        }
    }

    private static async Task<WorkerRaceResult> CountAsync(
        NpgsqlDataSource dataSource, string database, int workers, int jobs, double submitSeconds, double wallSeconds, int unfinished, CancellationToken cancellationToken)
    {
        // Ours: a run is an attempt that wrote to the job (events are fenced, so only a claimed attempt can).
        long succeeded = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM job WHERE state = 'succeeded'", cancellationToken);
        long duplicateRuns = await ScalarAsync<long>(dataSource, """
            SELECT count(*) FROM (SELECT job_id FROM job_event WHERE attempt > 0 GROUP BY job_id HAVING count(DISTINCT attempt) > 1) d
            """, cancellationToken);
        long redoneSteps = await ScalarAsync<long>(dataSource, """
            SELECT count(*) FROM (SELECT job_id FROM job_event WHERE type = 'step' GROUP BY job_id, payload->'step' HAVING count(*) > 1) d
            """, cancellationToken);
        long retried = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM job WHERE attempt > 1", cancellationToken);
        long runningWorkers = await ScalarAsync<long>(dataSource, """
            SELECT count(DISTINCT payload->>'worker_id') FROM job_event WHERE type = 'status' AND payload->>'status' = 'running'
            """, cancellationToken);
        // Hangfire's: every delivery that started (a Processing state), jobs it failed, jobs not in a final state
        // (Scheduled: a duplicate delivery's look-again, harmless once our job is final, so counted apart), queue entries left.
        long hangfireJobs = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM hangfire.job", cancellationToken);
        long deliveries = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM hangfire.state WHERE name = 'Processing'", cancellationToken);
        long hangfireFailed = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM hangfire.job WHERE statename = 'Failed'", cancellationToken);
        long hangfireStuck = await ScalarAsync<long>(dataSource, """
            SELECT count(*) FROM hangfire.job WHERE statename IS NULL OR statename NOT IN ('Succeeded', 'Deleted', 'Failed', 'Scheduled')
            """, cancellationToken);
        long hangfireScheduled = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM hangfire.job WHERE statename = 'Scheduled'", cancellationToken);
        long queueLeft = await ScalarAsync<long>(dataSource, "SELECT count(*) FROM hangfire.jobqueue", cancellationToken);
        return new WorkerRaceResult(database, workers, jobs, submitSeconds, wallSeconds, jobs / wallSeconds)
        {
            Succeeded = (int)succeeded,
            WorkersThatRan = (int)runningWorkers,
            DuplicateRuns = (int)duplicateRuns,
            RedoneSteps = (int)redoneSteps,
            Retried = (int)retried,
            Stuck = unfinished,
            HangfireJobs = (int)hangfireJobs,
            HangfireDeliveries = (int)deliveries,
            HangfireFailed = (int)hangfireFailed,
            HangfireStuck = (int)hangfireStuck,
            HangfireScheduled = (int)hangfireScheduled,
            HangfireQueueLeft = (int)queueLeft,
        };
    }

    private static async Task<T> ScalarAsync<T>(NpgsqlDataSource dataSource, string sql, CancellationToken cancellationToken)
    {
        await using NpgsqlCommand command = dataSource.CreateCommand(sql);
        return (T)(await command.ExecuteScalarAsync(cancellationToken))!;
    }

    private static async Task ExecuteAsync(string connection, string sql, CancellationToken cancellationToken)
    {
        await using var admin = new NpgsqlConnection(connection);
        await admin.OpenAsync(cancellationToken);
        await using var command = new NpgsqlCommand(sql, admin);
        await command.ExecuteNonQueryAsync(cancellationToken);
    }
}
