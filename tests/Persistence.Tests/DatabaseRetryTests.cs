using FineTune.Persistence.Resilience;
using Npgsql;

namespace FineTune.Persistence.Tests;

public sealed class DatabaseRetryTests
{
    [Fact]
    public async Task ExecuteAsync_TransientFailuresThenSuccess_Retries()
    {
        var retry = new DatabaseRetry(maxRetries: 3, baseDelay: TimeSpan.Zero);
        int calls = 0;

        int result = await retry.ExecuteAsync(
            _ => ++calls < 3 ? throw new NpgsqlException("connection reset", new IOException("reset")) : ValueTask.FromResult(42),
            CancellationToken.None);

        Assert.Equal(42, result);
        Assert.Equal(3, calls);
    }

    [Fact]
    public async Task ExecuteAsync_UniqueViolation_IsNotRetried()
    {
        var retry = new DatabaseRetry(maxRetries: 3, baseDelay: TimeSpan.Zero);
        int calls = 0;

        await Assert.ThrowsAsync<PostgresException>(() => retry.ExecuteAsync<int>(
            _ =>
            {
                calls++;
                throw new PostgresException("duplicate key", "ERROR", "ERROR", PostgresErrorCodes.UniqueViolation);
            },
            CancellationToken.None).AsTask());

        Assert.Equal(1, calls);
    }

    [Theory]
    [InlineData(PostgresErrorCodes.SerializationFailure, true)]
    [InlineData(PostgresErrorCodes.DeadlockDetected, true)]
    [InlineData(PostgresErrorCodes.AdminShutdown, true)]
    [InlineData(PostgresErrorCodes.CheckViolation, false)]
    [InlineData(PostgresErrorCodes.SyntaxError, false)]
    public void IsTransient_ServerErrors_FollowsTheSqlState(string sqlState, bool expected)
    {
        Assert.Equal(expected, DatabaseRetry.IsTransient(new PostgresException("x", "ERROR", "ERROR", sqlState)));
    }

    [Fact]
    public async Task ExecuteAsync_TransientFailuresBeyondTheLimit_GivesUp()
    {
        var retry = new DatabaseRetry(maxRetries: 2, baseDelay: TimeSpan.Zero);
        int calls = 0;

        await Assert.ThrowsAsync<TimeoutException>(() => retry.ExecuteAsync<int>(_ => { calls++; throw new TimeoutException(); }, CancellationToken.None).AsTask());

        Assert.Equal(3, calls);
    }
}
