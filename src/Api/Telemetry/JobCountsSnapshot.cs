using System.Text.Json;
using FineTune.Persistence;
using FineTune.Persistence.Queue;
using Microsoft.EntityFrameworkCore;

namespace FineTune.Api.Telemetry;

/// <summary>
/// Jobs counted by state and backend, read from the <c>job</c> table when <c>/metrics</c> is scraped and kept for a few
/// seconds, so several scrapers (or the gauges of one scrape) cost one small grouped query. Read from the database and
/// not from this process's memory, the figures are the whole service's, however many API and worker processes run.
/// </summary>
/// <param name="scopes">Creates the scope of each query's <see cref="FineTuneDbContext"/>.</param>
/// <param name="timeProvider">The clock of the cache and of the oldest queued job's age.</param>
public sealed class JobCountsSnapshot(IServiceScopeFactory scopes, TimeProvider timeProvider)
{
    private static readonly TimeSpan s_maxAge = TimeSpan.FromSeconds(5);

    private readonly Lock _lock = new();
    private IReadOnlyList<JobCount> _counts = [];
    private DateTimeOffset _readAt = DateTimeOffset.MinValue;

    /// <summary>The jobs of one state and backend, and when the oldest of them was submitted.</summary>
    /// <param name="State">The state in snake_case, as in the <c>job_state</c> enum (e.g. <c>retryable</c>).</param>
    /// <param name="Backend">The backend that must run them.</param>
    /// <param name="Count">How many.</param>
    /// <param name="OldestCreatedAt">The submission time of the oldest.</param>
    public sealed record JobCount(string State, string Backend, long Count, DateTimeOffset OldestCreatedAt);

    /// <summary>The counts, read afresh when older than a few seconds; empty (never thrown) when the database fails.</summary>
    public IReadOnlyList<JobCount> Read()
    {
        lock (_lock)
        {
            DateTimeOffset now = timeProvider.GetUtcNow();
            if (now - _readAt < s_maxAge)
            {
                return _counts;
            }
            _readAt = now;
            try
            {
                _counts = Query();
            }
            catch (Exception exception) when (exception is InvalidOperationException or Npgsql.NpgsqlException or TimeoutException)
            {
                // A scrape during a database outage reports no job series rather than failing the whole scrape: the
                // HTTP and process series still say what is going on.
                _counts = [];
            }
            return _counts;
        }
    }

    /// <summary>Seconds since <see cref="JobCount.OldestCreatedAt"/>, by the same clock as the cache.</summary>
    public double AgeSeconds(DateTimeOffset createdAt) => Math.Max(0, (timeProvider.GetUtcNow() - createdAt).TotalSeconds);

    private List<JobCount> Query()
    {
        using IServiceScope scope = scopes.CreateScope();
        FineTuneDbContext db = scope.ServiceProvider.GetRequiredService<FineTuneDbContext>();
        // Synchronous: observable instruments are read in a synchronous callback of the exporter.
        var rows = db.Jobs.AsNoTracking()
            .GroupBy(job => new { job.State, job.Backend })
            .Select(group => new { group.Key.State, group.Key.Backend, Count = group.LongCount(), Oldest = group.Min(job => job.CreatedAt) })
            .ToList();
        return rows.Select(row => new JobCount(StateName(row.State), row.Backend, row.Count, row.Oldest)).ToList();
    }

    private static string StateName(JobState state) => JsonNamingPolicy.SnakeCaseLower.ConvertName(state.ToString());
}
