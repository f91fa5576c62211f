using FineTune.Persistence;
using FineTune.Persistence.Entities;
using Microsoft.EntityFrameworkCore;

namespace FineTune.Api.JobViews;

/// <summary>
/// One page of a tenant's jobs, newest first, with their output artifacts: what both job lists (native and
/// OpenAI-compatible) read before shaping it into their own objects.
/// </summary>
/// <param name="Jobs">At most the page size, newest first.</param>
/// <param name="Outputs">Each job's output artifacts, by name.</param>
/// <param name="HasMore">Whether older jobs follow.</param>
internal sealed record JobPage(IReadOnlyList<Job> Jobs, ILookup<Guid, Artifact> Outputs, bool HasMore)
{
    /// <summary>Reads the page of <paramref name="query"/> after <paramref name="cursor"/> (exclusive), if any.</summary>
    public static async Task<JobPage> ReadAsync(
        FineTuneDbContext db, Guid tenantId, IQueryable<Job> query, Guid? cursor, int take, CancellationToken cancellationToken)
    {
        if (cursor is Guid after)
        {
            // IDs are UUIDv7, so ID order is creation order and the cursor is stable while jobs are added.
            query = query.Where(job => job.Id.CompareTo(after) < 0);
        }
        List<Job> read = await query.OrderByDescending(job => job.Id).Take(take + 1).ToListAsync(cancellationToken);
        List<Job> jobs = read.Take(take).ToList();
        List<Guid> ids = jobs.Select(job => job.Id).ToList();
        ILookup<Guid, Artifact> outputs = (await db.Artifacts.AsNoTracking()
                .Where(artifact => artifact.TenantId == tenantId && ids.Contains(artifact.JobId) && artifact.Kind == ArtifactKind.Output)
                .OrderBy(artifact => artifact.Name)
                .ToListAsync(cancellationToken))
            .ToLookup(artifact => artifact.JobId);
        return new JobPage(jobs, outputs, read.Count > take);
    }
}
