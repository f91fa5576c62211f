using FineTune.Persistence.Blobs;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

/// <summary>
/// The job insert checks the job's datasets itself (the API no longer looks them up before a submit): a dataset that is
/// not the job's tenant's inserts nothing.
/// </summary>
public sealed class EnqueueDatasetCheckTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    private readonly DatasetStore _datasets = new(database.DataSource, 64);

    [Fact]
    public async Task EnqueueAsync_OwnDatasets_InsertsTheJob()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Guid training = await DatasetOfAsync(queue.TenantId);
        Guid validation = await DatasetOfAsync(queue.TenantId);

        Job job = await queue.Queue.EnqueueAsync(queue.NewJob() with { DatasetId = training, ValidationDatasetId = validation }, CancellationToken.None);

        Assert.Equal(training, (await queue.GetAsync(job.Id)).DatasetId);
    }

    [Fact]
    public async Task EnqueueAsync_AnotherTenantsTrainingDataset_InsertsNothing()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Guid theirs = await DatasetOfAsync(await database.CreateTenantAsync());
        NewJob job = queue.NewJob() with { DatasetId = theirs };

        await Assert.ThrowsAsync<JobDatasetNotFoundException>(() => queue.Queue.EnqueueAsync(job, CancellationToken.None));

        Assert.Null(await queue.Queue.GetAsync(queue.TenantId, job.Id, CancellationToken.None));
    }

    [Fact]
    public async Task EnqueueAsync_AnotherTenantsValidationDataset_InsertsNothing()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Guid mine = await DatasetOfAsync(queue.TenantId);
        Guid theirs = await DatasetOfAsync(await database.CreateTenantAsync());
        NewJob job = queue.NewJob() with { DatasetId = mine, ValidationDatasetId = theirs };

        await Assert.ThrowsAsync<JobDatasetNotFoundException>(() => queue.Queue.EnqueueAsync(job, CancellationToken.None));

        Assert.Null(await queue.Queue.GetAsync(queue.TenantId, job.Id, CancellationToken.None));
    }

    [Fact]
    public async Task EnqueueAsync_NoSuchDataset_InsertsNothing()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        NewJob job = queue.NewJob() with { ValidationDatasetId = Guid.CreateVersion7() };

        await Assert.ThrowsAsync<JobDatasetNotFoundException>(() => queue.Queue.EnqueueAsync(job, CancellationToken.None));

        Assert.Null(await queue.Queue.GetAsync(queue.TenantId, job.Id, CancellationToken.None));
    }

    private async Task<Guid> DatasetOfAsync(Guid tenantId)
    {
        Dataset dataset = await _datasets.CreateAsync(new DatasetUpload(tenantId, "train.jsonl"), new MemoryStream("{\"text\":\"hi\"}\n"u8.ToArray()), null, CancellationToken.None);
        return dataset.Id;
    }
}
