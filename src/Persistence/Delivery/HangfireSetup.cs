using FineTune.Persistence.Queue;
using Hangfire;
using Hangfire.Common;
using Hangfire.PostgreSql;
using Npgsql;

namespace FineTune.Persistence.Delivery;

/// <summary>
/// Builds Hangfire's storage and filters for one database. Nothing here touches Hangfire's static configuration
/// (<c>JobStorage.Current</c>, <c>GlobalJobFilters</c>): every host, and every test database in one test process, gets
/// its own storage and filters.
/// </summary>
public static class HangfireSetup
{
    /// <summary>
    /// The storage: Hangfire.PostgreSql on <paramref name="dataSource"/>'s database, schema
    /// <see cref="HangfireOptions.SchemaName"/> (created if missing), LISTEN/NOTIFY wake-ups (long polling) and a
    /// sliding invisibility timeout, so a job stays with its server as long as that server lives.
    /// </summary>
    public static PostgreSqlStorage CreateStorage(NpgsqlDataSource dataSource, HangfireOptions options)
    {
        ArgumentNullException.ThrowIfNull(dataSource);
        ArgumentNullException.ThrowIfNull(options);
        var storageOptions = new PostgreSqlStorageOptions
        {
            SchemaName = options.SchemaName,
            PrepareSchemaIfNecessary = true,
            EnableLongPolling = true,
            UseSlidingInvisibilityTimeout = true,
            InvisibilityTimeout = options.InvisibilityTimeout,
            QueuePollInterval = options.QueuePollInterval,
            // The dispatcher is the outbox relay; nothing enlists Hangfire in an ambient TransactionScope.
            EnableTransactionScopeEnlistment = false,
        };
        return new PostgreSqlStorage(new DataSourceConnectionFactory(dataSource), storageOptions);
    }

    /// <summary>
    /// The job filters of FineTune's Hangfire clients and servers: Hangfire's defaults less the culture capture (the
    /// job method takes an ID and the process runs with invariant globalization; capturing wrote two job parameters,
    /// two of the hand-over's 13 statements per job), with the retry filter set to our
    /// backoff (<see cref="RetryPolicy"/>: 15 s, 30 s, 1 min, ... with jitter) and applied only to
    /// <see cref="TransientAttemptException"/>. Every other exception fails the Hangfire job at once; whether a FineTune
    /// job has attempts left is decided by its row (<c>max_attempts</c>), which is why the attempt count here is only a
    /// backstop.
    /// </summary>
    public static IJobFilterProvider CreateFilters(RetryPolicy retryPolicy)
    {
        ArgumentNullException.ThrowIfNull(retryPolicy);
        var filters = new JobFilterCollection
        {
            new AutomaticRetryAttribute
            {
                Attempts = 100,
                DelayInSecondsByAttemptFunc = attempt => (int)Math.Ceiling(retryPolicy.NextDelay((int)Math.Clamp(attempt, 1, 30)).TotalSeconds),
                OnlyOn = [typeof(TransientAttemptException)],
                OnAttemptsExceeded = AttemptsExceededAction.Fail,
            },
            new StatisticsHistoryAttribute(),
            new ContinuationsSupportAttribute(),
        };
        return new JobFilterProviderCollection(filters, new JobFilterAttributeFilterProvider());
    }

    private sealed class DataSourceConnectionFactory(NpgsqlDataSource dataSource) : IConnectionFactory
    {
        public NpgsqlConnection GetOrCreateConnection()
        {
            return dataSource.CreateConnection();
        }
    }
}
