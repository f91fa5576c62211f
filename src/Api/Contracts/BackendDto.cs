using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>A training backend and what it accepts.</summary>
/// <param name="Name">The name jobs use as <c>backend</c>, e.g. <c>libtorch-cuda</c>.</param>
/// <param name="Description">One line for humans.</param>
/// <param name="OptionsSchema">JSON Schema (draft 2020-12) of the job's <c>backend_options</c> for this backend.</param>
/// <param name="LiveWorkers">Workers offering this backend that heartbeated recently; 0 means jobs would wait.</param>
/// <param name="Warning">Why its jobs would wait (no live worker), or null.</param>
public sealed record BackendDto(string Name, string Description, JsonObject OptionsSchema, int LiveWorkers, string? Warning)
{
    /// <summary>Always <c>backend</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "backend";
}
