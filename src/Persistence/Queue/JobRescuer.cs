using FineTune.Persistence.Resilience;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace FineTune.Persistence.Queue;

/// <summary>
/// Returns jobs whose lease expired (their worker crashed or lost the database) to the queue: retryable after the
/// <see cref="RetryPolicy"/> backoff, failed once they used their attempts, cancelled if a cancel was pending. Rescue
/// is driven by lease expiry only, never by how long a job has run: training legitimately runs for hours.
/// Any number of rescuers may run (one per API and worker host); the update re-checks expiry, so they never conflict.
/// </summary>
public sealed class JobRescuer : BackgroundService
{
    private readonly NpgsqlDataSource _dataSource;
    private readonly JobQueueOptions _options;
    private readonly TimeProvider _timeProvider;
    private readonly DatabaseRetry _databaseRetry;
    private readonly RetryPolicy _retryPolicy;
    private readonly ILogger _logger;
    private readonly Lock _signalLock = new();
    private TaskCompletionSource<IReadOnlyDictionary<Guid, JobState>> _nextPass = NewSignal();

    /// <summary>Creates a rescuer.</summary>
    /// <param name="dataSource">A data source from <see cref="FineTuneDataSource.Create"/>.</param>
    /// <param name="options">Interval, batch size and retry timing (defaults when null).</param>
    /// <param name="timeProvider">The clock; see <see cref="JobQueue"/> (system: the database's <c>now()</c>).</param>
    /// <param name="databaseRetry">Retries transient database errors.</param>
    /// <param name="retryPolicy">Backoff of rescued jobs (default: from <paramref name="options"/>).</param>
    /// <param name="logger">Receives one line per rescued job.</param>
    public JobRescuer(
        NpgsqlDataSource dataSource,
        JobQueueOptions? options = null,
        TimeProvider? timeProvider = null,
        DatabaseRetry? databaseRetry = null,
        RetryPolicy? retryPolicy = null,
        ILogger<JobRescuer>? logger = null)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        _dataSource = dataSource;
        _options = options ?? new JobQueueOptions();
        _timeProvider = timeProvider ?? TimeProvider.System;
        _databaseRetry = databaseRetry ?? new DatabaseRetry();
        _retryPolicy = retryPolicy ?? new RetryPolicy(_options.RetryBaseDelay, _options.RetryMaxDelay);
        _logger = logger ?? NullLogger<JobRescuer>.Instance;
    }

    /// <summary>
    /// Test signal: completes with the outcome of the next pass the background loop finishes (rescued job IDs and
    /// their new states), so tests wait for the rescuer instead of sleeping.
    /// </summary>
    public Task<IReadOnlyDictionary<Guid, JobState>> NextPassAsync(CancellationToken cancellationToken)
    {
        lock (_signalLock)
        {
            return _nextPass.Task.WaitAsync(cancellationToken);
        }
    }

    /// <summary>Rescues every job whose lease has expired, in batches, and returns them with their new states.</summary>
    public async Task<IReadOnlyDictionary<Guid, JobState>> RunOnceAsync(CancellationToken cancellationToken)
    {
        var rescued = new Dictionary<Guid, JobState>();
        int batchSize = Math.Max(1, _options.RescueBatchSize);
        while (true)
        {
            IReadOnlyDictionary<Guid, JobState> batch = await _databaseRetry.ExecuteAsync(token => RescueBatchAsync(batchSize, token), cancellationToken);
            foreach ((Guid jobId, JobState state) in batch)
            {
                rescued[jobId] = state;
                _logger.LogWarning("Rescued job {JobId} after its lease expired; now {State}", jobId, state);
            }
            if (batch.Count < batchSize)
            {
                return rescued;
            }
        }
    }

    /// <inheritdoc />
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(_options.RescueInterval, _timeProvider);
        do
        {
            try
            {
                IReadOnlyDictionary<Guid, JobState> rescued = await RunOnceAsync(stoppingToken);
                Signal(signal => signal.TrySetResult(rescued));
            }
            catch (Exception exception) when (exception is not OperationCanceledException)
            {
                // A pass that fails is repeated at the next tick; the jobs stay expired until then, nothing is lost.
                _logger.LogError(exception, "Job rescue pass failed");
                Signal(signal => signal.TrySetException(exception));
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    private static TaskCompletionSource<IReadOnlyDictionary<Guid, JobState>> NewSignal()
    {
        return new TaskCompletionSource<IReadOnlyDictionary<Guid, JobState>>(TaskCreationOptions.RunContinuationsAsynchronously);
    }

    private void Signal(Action<TaskCompletionSource<IReadOnlyDictionary<Guid, JobState>>> complete)
    {
        TaskCompletionSource<IReadOnlyDictionary<Guid, JobState>> finished;
        lock (_signalLock)
        {
            finished = _nextPass;
            _nextPass = NewSignal();
        }
        complete(finished);
    }

    private async ValueTask<IReadOnlyDictionary<Guid, JobState>> RescueBatchAsync(int batchSize, CancellationToken cancellationToken)
    {
        await using NpgsqlConnection connection = await _dataSource.OpenConnectionAsync(cancellationToken);
        var ids = new List<Guid>();
        var attempts = new List<int>();
        await using (var select = new NpgsqlCommand(QueueSql.RescueSelect, connection))
        {
            QueueSql.AddNow(select, _timeProvider);
            select.Parameters.AddWithValue("batch_size", batchSize);
            await using NpgsqlDataReader reader = await select.ExecuteReaderAsync(cancellationToken);
            while (await reader.ReadAsync(cancellationToken))
            {
                ids.Add(reader.GetGuid(0));
                attempts.Add(reader.GetInt32(1));
            }
        }
        var rescued = new Dictionary<Guid, JobState>();
        if (ids.Count == 0)
        {
            return rescued;
        }
        // Each job draws its own jitter, so jobs that died together (one lost node) come back spread out. Delays, not
        // times, go to the database: the backoff counts from the database clock like every other queue timestamp.
        TimeSpan[] retryDelays = attempts.Select(attempt => _retryPolicy.NextDelay(Math.Max(1, attempt))).ToArray();
        await using var update = new NpgsqlCommand(QueueSql.RescueUpdate, connection);
        QueueSql.AddNow(update, _timeProvider);
        update.Parameters.AddWithValue("ids", ids.ToArray());
        update.Parameters.AddWithValue("attempts", attempts.ToArray());
        update.Parameters.Add(new NpgsqlParameter("retry_delays", NpgsqlDbType.Array | NpgsqlDbType.Interval) { Value = retryDelays });
        await using NpgsqlDataReader updated = await update.ExecuteReaderAsync(cancellationToken);
        while (await updated.ReadAsync(cancellationToken))
        {
            rescued[updated.GetGuid(0)] = QueueSql.ParseState(updated.GetString(1));
        }
        // A job skipped by the re-check (renewed in between) leaves the batch short and ends the pass early, which only
        // defers the remaining expired jobs to the next pass.
        return rescued;
    }
}
