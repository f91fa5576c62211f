namespace FineTune.Persistence.Queue;

/// <summary>Who a worker is and what it can run; the claim matches jobs against it.</summary>
/// <param name="WorkerId">Unique per worker process; becomes the lease owner of the jobs it claims.</param>
/// <param name="Host">The machine name.</param>
/// <param name="Backends">The backends it runs, e.g. <c>libtorch-cpu</c>; a job's backend must be one of them.</param>
/// <param name="MemoryBytes">Memory available to one job; a job needing more is left for a bigger worker.</param>
public sealed record WorkerCapabilities(string WorkerId, string Host, IReadOnlyList<string> Backends, long MemoryBytes)
{
    /// <summary>Anything else worth showing about the worker (GPU model, driver), as JSON.</summary>
    public string Details { get; init; } = "{}";

    /// <summary>Capabilities of this process with a fresh ID (<c>host:pid:random</c>), so a restarted worker never
    /// reuses the identity, and hence the fencing token, of its previous life.</summary>
    public static WorkerCapabilities ForThisProcess(IReadOnlyList<string> backends, long memoryBytes)
    {
        string host = Environment.MachineName;
        string id = $"{host}:{Environment.ProcessId}:{Guid.NewGuid().ToString("N")[..8]}";
        return new WorkerCapabilities(id, host, backends, memoryBytes);
    }
}
