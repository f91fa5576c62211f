using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>One entry of a job's event log (the same entries the jobs hub pushes).</summary>
/// <param name="Seq">Position in the job's log, from 1 without gaps; pass the last one seen as <c>after</c>.</param>
/// <param name="Type">The event type, e.g. <c>step</c>, <c>eval</c>, <c>status</c>.</param>
/// <param name="Payload">The event's data as written by the worker or the service.</param>
/// <param name="Attempt">The job attempt that wrote it (0 before the first claim).</param>
/// <param name="CreatedAt">When it was appended, in Unix seconds.</param>
public sealed record JobEventDto(long Seq, string Type, JsonNode? Payload, int Attempt, long CreatedAt)
{
    /// <summary>Always <c>fine_tuning.job.event</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "fine_tuning.job.event";
}
