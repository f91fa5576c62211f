using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>
/// A training step the job can resume from. Its archive is not offered for download: under DP it holds the secret
/// sampling seed and noise generator state, with which the noise could be regenerated and the privacy undone.
/// </summary>
/// <param name="Id">The checkpoint ID.</param>
/// <param name="Step">The optimizer step it was taken after.</param>
/// <param name="Attempt">The attempt that wrote it.</param>
/// <param name="CreatedAt">When it was saved, in Unix seconds.</param>
public sealed record CheckpointDto(Guid Id, long Step, int Attempt, long CreatedAt)
{
    /// <summary>Always <c>fine_tuning.job.checkpoint</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "fine_tuning.job.checkpoint";
}
