using System.Text.Json;
using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;
using FineTune.Persistence.Tests.Infrastructure;

namespace FineTune.Persistence.Tests;

public sealed class JobRetryTests(TestDatabase database) : IClassFixture<TestDatabase>
{
    [Fact]
    public async Task FailAsync_TransientFailure_SchedulesRetryAfterJitteredBackoff()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();
        DateTimeOffset failedAt = queue.Clock.GetUtcNow();

        JobState state = await queue.Queue.FailAsync(lease, "CUDA driver reset", permanent: false, CancellationToken.None);
        Job job = await queue.GetAsync(lease.JobId);

        Assert.Equal(JobState.Retryable, state);
        TimeSpan delay = job.ScheduledAt - failedAt;
        TimeSpan nominal = queue.Options.RetryBaseDelay;
        Assert.InRange(delay, nominal * 0.8, nominal * 1.2);
        Assert.Equal("CUDA driver reset", job.Error);
        Assert.Null(job.FinalizedAt);
    }

    [Fact]
    public async Task ClaimAsync_RetryableJob_TheRetryDeliveryStartsTheNextAttempt()
    {
        // When the retry is delivered is Hangfire's (its retry filter waits out scheduled_at); the claim only fences.
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease first = await queue.EnqueueAndClaimAsync();
        await queue.Queue.FailAsync(first, "transient", permanent: false, CancellationToken.None);

        JobLease retry = await queue.ClaimAsync(first.JobId);

        Assert.Equal(2, retry.Attempt);
        Assert.Equal(JobState.Running, (await queue.GetAsync(first.JobId)).State);
        await Assert.ThrowsAsync<LeaseLostException>(() => queue.Queue.AppendEventAsync(first, "step", "{}", CancellationToken.None));
    }

    [Fact]
    public async Task FailAsync_TransientFailures_BackOffExponentiallyUntilAttemptsRunOut()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        Job queued = await queue.EnqueueAsync(queue.NewJob() with { MaxAttempts = 4 });
        WorkerCapabilities worker = queue.Worker();
        var states = new List<JobState>();
        var delays = new List<TimeSpan>();

        for (int attempt = 1; attempt <= 4; attempt++)
        {
            JobLease lease = await queue.ClaimAsync(queued.Id, worker);
            DateTimeOffset failedAt = queue.Clock.GetUtcNow();
            states.Add(await queue.Queue.FailAsync(lease, $"failure {attempt}", permanent: false, CancellationToken.None));
            Job job = await queue.GetAsync(lease.JobId);
            delays.Add(job.ScheduledAt - failedAt);
            queue.Clock.Advance(queue.Options.RetryMaxDelay * 2);
        }

        Assert.Equal([JobState.Retryable, JobState.Retryable, JobState.Retryable, JobState.Failed], states);
        for (int i = 0; i < 3; i++)
        {
            TimeSpan nominal = queue.Options.RetryBaseDelay * Math.Pow(2, i);
            Assert.InRange(delays[i], nominal * 0.8, nominal * 1.2);
        }
    }

    [Fact]
    public async Task FailAsync_PermanentFailure_FailsAtOnceWithTheReason()
    {
        QueueFixture queue = await QueueFixture.CreateAsync(database);
        JobLease lease = await queue.EnqueueAndClaimAsync();

        JobState state = await queue.Queue.FailAsync(lease, "unsupported option: lora_rank=-1", permanent: true, CancellationToken.None);
        Job job = await queue.GetAsync(lease.JobId);

        Assert.Equal(JobState.Failed, state);
        Assert.Equal(1, job.Attempt);
        Assert.Equal("unsupported option: lora_rank=-1", job.Error);
        Assert.NotNull(job.FinalizedAt);
        using JsonDocument errors = JsonDocument.Parse(job.Errors);
        JsonElement entry = Assert.Single(errors.RootElement.EnumerateArray());
        Assert.True(entry.GetProperty("permanent").GetBoolean());
        Assert.Equal(1, entry.GetProperty("attempt").GetInt32());
    }
}
