using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using Polly;
using Polly.Retry;

namespace FineTune.Persistence.Resilience;

/// <summary>
/// Retries database calls that failed for a transient reason (a dropped connection, a failover, a serialization
/// failure), with exponential backoff and jitter (Polly). Only operations that are safe to repeat go through it:
/// docs/queue.md lists which and why. This is separate from the job retry schedule (<see cref="Queue.RetryPolicy"/>),
/// which is about a training attempt failing, not a single statement.
/// </summary>
public sealed class DatabaseRetry
{
    private readonly ResiliencePipeline _pipeline;

    /// <summary>Creates the retry pipeline.</summary>
    /// <param name="maxRetries">Retries after the first failure (default 4: about 3 s of waiting in all).</param>
    /// <param name="baseDelay">The first wait, doubled each retry (default 200 ms).</param>
    /// <param name="logger">Receives a warning per retry.</param>
    /// <param name="maxDelay">The longest single wait (default 5 s).</param>
    public DatabaseRetry(int maxRetries = 4, TimeSpan? baseDelay = null, ILogger<DatabaseRetry>? logger = null, TimeSpan? maxDelay = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(maxRetries);
        ILogger log = logger ?? NullLogger<DatabaseRetry>.Instance;
        var builder = new ResiliencePipelineBuilder();
        if (maxRetries > 0)
        {
            builder.AddRetry(new RetryStrategyOptions
            {
                ShouldHandle = new PredicateBuilder().Handle<Exception>(IsTransient),
                MaxRetryAttempts = maxRetries,
                BackoffType = DelayBackoffType.Exponential,
                UseJitter = true,
                Delay = baseDelay ?? TimeSpan.FromMilliseconds(200),
                MaxDelay = maxDelay ?? TimeSpan.FromSeconds(5),
                OnRetry = arguments =>
                {
                    log.LogWarning(arguments.Outcome.Exception, "Transient database error; retry {Attempt} in {Delay}", arguments.AttemptNumber + 1, arguments.RetryDelay);
                    return ValueTask.CompletedTask;
                },
            });
        }
        _pipeline = builder.Build();
    }

    /// <summary>
    /// The worker's pipeline: 10 retries, waits doubling from 200 ms up to 5 s, about 30 s in all. A Postgres restart
    /// (a few seconds) or a short failover then costs a running job nothing: its heartbeats, events, checkpoints and
    /// final write wait for the database instead of failing the attempt. Its lease (2 min) outlasts the window.
    /// </summary>
    public static DatabaseRetry ForWorker(ILogger<DatabaseRetry>? logger = null)
    {
        return new DatabaseRetry(maxRetries: 10, logger: logger);
    }

    /// <summary>A pipeline that never retries.</summary>
    public static DatabaseRetry None { get; } = new(maxRetries: 0);

    /// <summary>
    /// Whether <paramref name="exception"/> is worth retrying: Npgsql's own verdict (I/O errors, timeouts, and
    /// server states such as serialization failure, deadlock, admin shutdown or too many connections).
    /// </summary>
    public static bool IsTransient(Exception exception)
    {
        return exception is NpgsqlException { IsTransient: true } or TimeoutException;
    }

    /// <summary>Runs <paramref name="operation"/>, repeating it after transient failures.</summary>
    public ValueTask<T> ExecuteAsync<T>(Func<CancellationToken, ValueTask<T>> operation, CancellationToken cancellationToken)
    {
        return _pipeline.ExecuteAsync(operation, cancellationToken);
    }
}
