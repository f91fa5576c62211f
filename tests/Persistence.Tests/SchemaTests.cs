using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Npgsql;

namespace FineTune.Persistence.Tests;

public sealed class SchemaTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task DbContext_EveryEntity_MatchesTheMigratedSchema()
    {
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);

        // Selecting every mapped column fails if the model names a column or type the SQL schema lacks.
        await context.Tenants.Take(1).ToListAsync();
        await context.ApiKeys.Take(1).ToListAsync();
        await context.Datasets.Take(1).ToListAsync();
        await context.DatasetChunks.Take(1).ToListAsync();
        await context.Jobs.Take(1).ToListAsync();
        await context.JobIdempotencyKeys.Take(1).ToListAsync();
        await context.JobEvents.Take(1).ToListAsync();
        await context.Checkpoints.Take(1).ToListAsync();
        await context.Artifacts.Take(1).ToListAsync();
        await context.ArtifactChunks.Take(1).ToListAsync();
        await context.Workers.Take(1).ToListAsync();
    }

    [Fact]
    public async Task DbContext_JobWrittenByQueue_ReadsBackWithEnumState()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job enqueued = await queue.EnqueueAsync();
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);

        Job job = await context.Jobs.SingleAsync(candidate => candidate.Id == enqueued.Id && candidate.State == JobState.Queued);

        Assert.Equal(queue.Backend, job.Backend);
        Assert.Equal(2, job.Priority);
        Assert.Equal("[]", job.Errors);
    }

    [Theory]
    [InlineData("UPDATE job SET state = 'succeeded' WHERE id = @id", "job_finalized_iff_final_state")]
    [InlineData("UPDATE job SET finalized_at = now() WHERE id = @id", "job_finalized_iff_final_state")]
    [InlineData("UPDATE job SET priority = 9 WHERE id = @id", "job_priority_in_range")]
    [InlineData("UPDATE job SET attempt = max_attempts + 1 WHERE id = @id", "job_attempt_in_range")]
    [InlineData("UPDATE job SET state = 'running', lease_owner = 'w' WHERE id = @id", "job_leased_iff_active")]
    [InlineData("UPDATE job SET state = 'running', lease_expires_at = now() WHERE id = @id", "job_active_has_owner")]
    [InlineData("UPDATE job SET state = 'cancelling', lease_owner = 'w', lease_expires_at = now() WHERE id = @id", "job_cancelling_was_requested")]
    public async Task JobConstraints_ImpossibleRow_IsRejectedByName(string sql, string constraint)
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>(sql, ("id", job.Id)));

        Assert.Equal(PostgresErrorCodes.CheckViolation, error.SqlState);
        Assert.Equal(constraint, error.ConstraintName);
    }

    [Fact]
    public async Task JobEvent_DuplicateSeq_IsRejectedByPrimaryKey()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job job = await queue.EnqueueAsync();
        const string Insert = "INSERT INTO job_event (job_id, seq, type, payload, attempt) VALUES (@id, 1, 'step', '{}', 0)";
        await database.ScalarAsync<object>(Insert, ("id", job.Id));

        PostgresException error = await Assert.ThrowsAsync<PostgresException>(() => database.ScalarAsync<object>(Insert, ("id", job.Id)));

        Assert.Equal("job_event_pkey", error.ConstraintName);
    }
}
