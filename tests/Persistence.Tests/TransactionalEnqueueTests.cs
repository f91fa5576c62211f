using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.Storage;
using Npgsql;

namespace FineTune.Persistence.Tests;

public sealed class TransactionalEnqueueTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task EnqueueAsync_EfTransactionRolledBack_LeavesNeitherJobNorDomainRow()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        var tenant = new Tenant { Id = Guid.CreateVersion7(), Name = "rollback-" + Guid.NewGuid() };
        Guid jobId;
        await using (FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource))
        await using (IDbContextTransaction transaction = await context.Database.BeginTransactionAsync())
        {
            context.Tenants.Add(tenant);
            await context.SaveChangesAsync();
            Job job = await queue.Queue.EnqueueAsync(context, queue.NewJob() with { TenantId = tenant.Id }, CancellationToken.None);
            jobId = job.Id;

            await transaction.RollbackAsync();
        }

        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM job WHERE id = @id", ("id", jobId)));
        Assert.Equal(0, await database.ScalarAsync<long>("SELECT count(*) FROM tenant WHERE id = @id", ("id", tenant.Id)));
        Assert.Equal(JobClaimOutcome.Missing, (await queue.Queue.ClaimAsync(jobId, queue.Worker(), CancellationToken.None)).Outcome);
    }

    [Fact]
    public async Task EnqueueAsync_EfTransactionCommitted_JobAndDomainRowAppearTogether()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        var tenant = new Tenant { Id = Guid.CreateVersion7(), Name = "commit-" + Guid.NewGuid() };
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);
        await using IDbContextTransaction transaction = await context.Database.BeginTransactionAsync();
        context.Tenants.Add(tenant);
        await context.SaveChangesAsync();
        Job job = await queue.Queue.EnqueueAsync(context, queue.NewJob() with { TenantId = tenant.Id }, CancellationToken.None);

        JobClaim beforeCommit = await queue.Queue.ClaimAsync(job.Id, queue.Worker(), CancellationToken.None);
        await transaction.CommitAsync();
        JobLease? afterCommit = await queue.TryClaimAsync(job.Id);

        Assert.Equal(JobClaimOutcome.Missing, beforeCommit.Outcome);
        Assert.Equal(job.Id, afterCommit?.JobId);
        Assert.Equal(tenant.Id, afterCommit?.TenantId);
    }

    [Fact]
    public async Task EnqueueAsync_NpgsqlTransactionRolledBack_LeavesNothing()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        await using NpgsqlConnection connection = await database.DataSource.OpenConnectionAsync();
        await using NpgsqlTransaction transaction = await connection.BeginTransactionAsync();

        Job job = await queue.Queue.EnqueueAsync(connection, transaction, queue.NewJob(), CancellationToken.None);
        await transaction.RollbackAsync();

        Assert.Null(await queue.Queue.GetAsync(queue.TenantId, job.Id, CancellationToken.None));
    }

    [Fact]
    public async Task EnqueueAsync_WithoutTransaction_IsVisibleAtOnce()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        await using FineTuneDbContext context = FineTuneDbContext.Create(database.DataSource);

        Job job = await queue.Queue.EnqueueAsync(context, queue.NewJob(), CancellationToken.None);

        Assert.True(await context.Jobs.AnyAsync(candidate => candidate.Id == job.Id));
    }
}
