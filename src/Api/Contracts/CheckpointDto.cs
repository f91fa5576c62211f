using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>A training step the job can resume from.</summary>
/// <param name="Id">The checkpoint ID.</param>
/// <param name="Step">The optimizer step it was taken after.</param>
/// <param name="Attempt">The attempt that wrote it.</param>
/// <param name="Artifact">The artifact holding its weights and optimizer state, if any.</param>
/// <param name="CreatedAt">When it was saved, in Unix seconds.</param>
public sealed record CheckpointDto(Guid Id, long Step, int Attempt, ArtifactDto? Artifact, long CreatedAt)
{
    /// <summary>Always <c>fine_tuning.job.checkpoint</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "fine_tuning.job.checkpoint";
}
