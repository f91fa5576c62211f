using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>A live worker process.</summary>
/// <param name="Id">The worker ID (<c>host:pid:random</c>).</param>
/// <param name="Host">The machine it runs on.</param>
/// <param name="Backends">The backends it runs.</param>
/// <param name="MemoryBytes">Memory available to one job (GPU memory for CUDA backends).</param>
/// <param name="Busy">Whether it holds a job lease now.</param>
/// <param name="CurrentJob">The job it runs, when that job is the caller's; other tenants' jobs show only as busy.</param>
/// <param name="StartedAt">When it registered, in Unix seconds.</param>
/// <param name="LastHeartbeatAt">When it was last heard from, in Unix seconds.</param>
public sealed record WorkerDto(string Id, string Host, IReadOnlyList<string> Backends, long MemoryBytes, bool Busy, Guid? CurrentJob, long StartedAt, long LastHeartbeatAt)
{
    /// <summary>Always <c>worker</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "worker";
}
