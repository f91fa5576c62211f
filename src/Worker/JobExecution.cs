using System.Diagnostics;
using FineTune.Persistence.Delivery;
using FineTune.Persistence.Queue;
using FineTune.Worker.Execution;
using FineTune.Worker.Telemetry;
using Hangfire.Common;
using Hangfire.Server;
using Hangfire.States;
using Microsoft.Extensions.Logging;

namespace FineTune.Worker;

/// <summary>
/// The Hangfire job method of one server (one slot): claims the delivered job's attempt, fenced by (worker, attempt),
/// runs it, and turns how it ended into what Hangfire should do next. Hangfire delivers at least once, so a delivery may
/// find the job finished or held by another live attempt; it then does nothing (and, in the second case, looks again
/// when that attempt's lease would expire, in case its worker died without Hangfire noticing).
/// </summary>
internal sealed class JobExecution(
    JobRunner runner, JobQueue queue, TrainLoraHandler handler, JobDispatcher dispatcher, int slot, ILogger<JobExecution> logger) : IJobExecution
{
    public async Task RunAsync(Guid jobId, PerformContext? context, CancellationToken cancellationToken)
    {
        DateTimeOffset claimStartedAt = DateTimeOffset.UtcNow;
        // Not cancellable: a claim cut off after its commit would strand the attempt until its lease expired.
        JobClaim claim = await queue.ClaimAsync(jobId, runner.Capabilities, CancellationToken.None);
        if (claim.Outcome != JobClaimOutcome.Claimed)
        {
            IgnoreDelivery(jobId, claim);
            return;
        }
        JobLease lease = claim.Lease!;
        WorkerSpans.Claimed(lease, claimStartedAt);
        runner.Metrics?.Claimed(lease);
        Activity? trainSpan = WorkerSpans.StartTrain(lease, slot);
        JobOutcome outcome;
        try
        {
            outcome = await handler.RunAsync(lease, slot, runner.Signals, cancellationToken);
        }
        catch (Exception exception)
        {
            // The handler turns every ending into an outcome; this is a bug or a full disk. Hangfire retries the
            // delivery, which takes the attempt over once its lease has expired.
            logger.LogError(exception, "Job {JobId} could not be run", jobId);
            outcome = new JobOutcome(lease.JobId, lease.Attempt, JobOutcomeKind.Abandoned, exception.Message);
        }
        if (outcome.Kind is JobOutcomeKind.Cancelled or JobOutcomeKind.Paused)
        {
            DeleteOwnDelivery(context);
        }
        WorkerSpans.End(trainSpan, outcome);
        runner.Metrics?.AttemptEnded(outcome.Kind);
        runner.Signals.Publish(outcome);
        switch (outcome.Kind)
        {
            case JobOutcomeKind.Succeeded:
            case JobOutcomeKind.LeaseLost:
            case JobOutcomeKind.Cancelled:
            case JobOutcomeKind.Paused:
                // Done (a cancelled or paused job's delivery is deleted above; a resume hands the job over anew), or
                // another attempt owns the job and its delivery is responsible for it.
                return;
            case JobOutcomeKind.Released:
                // The host is stopping: Hangfire puts the delivery back on its queue, and the next attempt is uncharged.
                throw new OperationCanceledException($"job {jobId} released: the worker is stopping", cancellationToken);
            case JobOutcomeKind.Retrying:
            case JobOutcomeKind.Abandoned:
                // Hangfire's retry filter schedules the next delivery after our backoff.
                throw new TransientAttemptException($"attempt {outcome.Attempt} failed: {outcome.Error}");
            default:
                // Failed for good: the Hangfire job fails too (no retry), with the reason, for the dashboard.
                throw new PermanentJobException($"job {jobId} failed: {outcome.Error}");
        }
    }

    private void IgnoreDelivery(Guid jobId, JobClaim claim)
    {
        if (claim.Outcome == JobClaimOutcome.HeldElsewhere && claim.Job is { } job)
        {
            // A duplicate while another attempt lives (its server may be cut off from Hangfire but not from us). Look
            // again just after that attempt's lease would expire: if its worker died, that delivery takes it over.
            TimeSpan wait = (job.LeaseExpiresAt ?? DateTimeOffset.UtcNow) - DateTimeOffset.UtcNow + TimeSpan.FromSeconds(1);
            wait = wait < TimeSpan.FromSeconds(1) ? TimeSpan.FromSeconds(1) : wait;
            string queueName = HangfireQueues.For(job.Backend, job.RequiredMemoryBytes);
            dispatcher.Hangfire.Create(
                Job.FromExpression<IJobExecution>(execution => execution.RunAsync(jobId, null, CancellationToken.None), queueName),
                new ScheduledState(wait));
            logger.LogInformation("Job {JobId}: delivered while attempt {Attempt} holds it; looking again in {Wait}", jobId, job.Attempt, wait);
            return;
        }
        logger.LogInformation("Job {JobId}: delivery ignored, the job is {Outcome}", jobId, claim.Outcome);
    }

    private void DeleteOwnDelivery(PerformContext? context)
    {
        if (context?.BackgroundJob.Id is string hangfireJobId)
        {
            // From Processing: Hangfire then skips its own Succeeded transition, so the cancelled or paused job's
            // delivery ends deleted, as one cancelled or paused before it ran.
            dispatcher.Hangfire.ChangeState(hangfireJobId, new DeletedState(), ProcessingState.StateName);
        }
    }
}
