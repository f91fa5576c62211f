using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>An uploaded, validated training file.</summary>
/// <param name="Id">The dataset ID; jobs name it as <c>training_file</c> or <c>validation_file</c>.</param>
/// <param name="Name">The file name (multipart filename or <c>?name=</c>).</param>
/// <param name="Format">The detected record format: messages, sharegpt, alpaca, prompt_completion, text or tabular.</param>
/// <param name="Records">The number of records (CSV: rows after the header), all of them valid.</param>
/// <param name="Bytes">The size in bytes.</param>
/// <param name="Sha256">SHA-256 of the content, lower-case hex.</param>
/// <param name="Purpose">What the file is for (always <c>fine-tune</c> today).</param>
/// <param name="CreatedAt">When the upload committed, in Unix seconds.</param>
public sealed record DatasetDto(Guid Id, string Name, string? Format, long? Records, long Bytes, string Sha256, string Purpose, long CreatedAt)
{
    /// <summary>Always <c>dataset</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "dataset";
}
