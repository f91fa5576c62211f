using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>A file a job produced; download it from <c>/v1/jobs/{id}/artifacts/{name}</c>.</summary>
/// <param name="Name">The file name, unique per job, e.g. <c>adapter_model.safetensors</c>.</param>
/// <param name="Kind"><c>output</c> (adapter, config, log, result) or <c>checkpoint</c> (resume state).</param>
/// <param name="ContentType">The MIME type it is served with.</param>
/// <param name="Bytes">The size in bytes.</param>
/// <param name="Sha256">SHA-256 of the content, lower-case hex; also the download's ETag.</param>
/// <param name="CreatedAt">When it was stored, in Unix seconds.</param>
public sealed record ArtifactDto(string Name, string Kind, string ContentType, long Bytes, string Sha256, long CreatedAt)
{
    /// <summary>Always <c>artifact</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "artifact";
}
