using FineTune.Persistence.Entities;
using FineTune.Persistence.Queue;

namespace FineTune.Persistence.Tests;

/// <summary>The statuses jobs show and the list filter over them agree (no database: LINQ to objects).</summary>
public class JobStateExtensionsTests
{
    [Fact]
    public void ApiStatuses_AreEveryStatusAJobShows_InTheStatesOrder()
    {
        string[] shown = Jobs().Select(job => job.ToApiStatus()).Distinct().ToArray();

        Assert.Equal(
            ["validating_files", "queued", "running", "pausing", "cancelling", "paused", "succeeded", "failed", "cancelled"],
            JobStateExtensions.ApiStatuses);
        Assert.Equal(shown.Order(StringComparer.Ordinal), JobStateExtensions.ApiStatuses.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void WhereApiStatus_KeepsExactlyTheJobsShowingThatStatus()
    {
        IQueryable<Job> jobs = Jobs().AsQueryable();

        foreach (string status in JobStateExtensions.ApiStatuses)
        {
            Assert.Equal(
                jobs.Where(job => job.ToApiStatus() == status).Select(job => job.Id),
                jobs.WhereApiStatus(status)!.Select(job => job.Id));
        }
        Assert.Null(jobs.WhereApiStatus("done"));
    }

    // One job per state, each with and without a pause asked for.
    private static List<Job> Jobs() =>
        Enum.GetValues<JobState>()
            .SelectMany(state => new[] { (DateTimeOffset?)null, DateTimeOffset.UnixEpoch }, (state, pause) => new Job
            {
                Id = Guid.NewGuid(), Kind = "lora", Spec = "{}", Backend = "libtorch-cpu", Errors = "[]", State = state, PauseRequestedAt = pause,
            })
            .ToList();
}
