using System.Text.Json.Serialization;

namespace FineTune.Api.Contracts;

/// <summary>
/// The first examples of a dataset as the trainer will see them with a model: rendered through its chat template and
/// tokenized by its tokenizer, each cut into prompt (loss-masked) and trained parts; with token counts.
/// </summary>
/// <param name="DatasetId">The dataset.</param>
/// <param name="Model">The model whose tokenizer and chat template were used.</param>
/// <param name="ChatTemplate">The chat template used (the model's own family, else alpaca, unless one was named).</param>
/// <param name="Format">The dataset's record format.</param>
/// <param name="Records">Records in the file.</param>
/// <param name="Examples">Training examples they make (grouped tabular records make one per group).</param>
/// <param name="CountedExamples">How many examples the token counts cover: all of them, or the first <see cref="DatasetPreviewDto.MaxCountedExamples"/>.</param>
/// <param name="Tokens">Tokens of the counted examples, before truncation to max_seq_len.</param>
/// <param name="TrainedTokens">Of <paramref name="Tokens"/>, those the loss is computed on.</param>
/// <param name="Data">The first examples, in file order.</param>
public sealed record DatasetPreviewDto(
    Guid DatasetId,
    string Model,
    string ChatTemplate,
    string? Format,
    long? Records,
    int Examples,
    int CountedExamples,
    long Tokens,
    long TrainedTokens,
    IReadOnlyList<ExamplePreviewDto> Data)
{
    /// <summary>Token counts stop after this many examples, so a preview of a large file stays quick.</summary>
    public const int MaxCountedExamples = 20_000;

    /// <summary>Always <c>dataset.preview</c>.</summary>
    [JsonPropertyOrder(-1)]
    public string Object => "dataset.preview";
}

/// <summary>One example of a <see cref="DatasetPreviewDto"/>.</summary>
/// <param name="Line">The 1-based line where its record starts.</param>
/// <param name="RecordIndex">The 0-based index of its record.</param>
/// <param name="Tokens">Its token count, before truncation to max_seq_len.</param>
/// <param name="TrainedTokens">Tokens the loss is computed on.</param>
/// <param name="Segments">The rendered text in order, cut where the loss mask changes.</param>
public sealed record ExamplePreviewDto(int Line, int RecordIndex, int Tokens, int TrainedTokens, IReadOnlyList<PreviewSegmentDto> Segments);

/// <summary>A run of tokens that are all trained or all masked, decoded back to text.</summary>
/// <param name="Text">The decoded tokens, special tokens spelled out.</param>
/// <param name="Trained">True where the loss is computed (replies), false on the masked prompt.</param>
/// <param name="Tokens">How many tokens the run has.</param>
public sealed record PreviewSegmentDto(string Text, bool Trained, int Tokens);
