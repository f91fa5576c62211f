namespace FineTune.Text.Data;

/// <summary>How <see cref="DatasetReader"/> interprets and checks a dataset file.</summary>
public sealed record DatasetReadOptions
{
    /// <summary>The record format, or null to detect it from the keys of the first well-formed record.</summary>
    public DatasetFormat? Format { get; init; }

    /// <summary>
    /// A field naming the entity each record belongs to. Tabular records of one entity become one example (their
    /// JSON lines joined by a newline); examples of other formats keep the value as <see cref="TrainingExample.EntityKey"/>.
    /// Either way splits and entity-level DP keep an entity's data together.
    /// </summary>
    public string? GroupBy { get; init; }

    /// <summary>
    /// A field that orders the records of one tabular entity (numbers numerically, text ordinally); requires
    /// <see cref="GroupBy"/>. Ties keep file order.
    /// </summary>
    public string? OrderBy { get; init; }

    /// <summary>The fewest usable examples the file must yield; 1 by default, since the service sets its own floor.</summary>
    public int MinExamples { get; init; } = 1;

    /// <summary>How many record errors are kept in full (the rest are only counted); 100, as the upload API reports.</summary>
    public int MaxErrors { get; init; } = 100;

    /// <summary>
    /// Whether to keep the examples in the result. An upload that only validates sets it to false so memory stays
    /// flat; grouped tabular records are held until the end either way, since an entity's rows may be anywhere.
    /// </summary>
    public bool KeepExamples { get; init; } = true;

    /// <summary>
    /// The longest line in bytes, or null for no limit. A longer line stops reading with an error naming it
    /// (<see cref="DatasetReader.LineTooLong"/>): only the line in progress is buffered, so this caps the reader's
    /// memory whatever the file holds (a 400 MB file with no newline would otherwise be held whole).
    /// </summary>
    public int? MaxLineBytes { get; init; }

    /// <summary>
    /// The file's name as the user gave it, or null. A name ending in <c>.json</c>, <c>.jsonl</c> or <c>.ndjson</c>
    /// says the file is JSON, so content that does not start with <c>{</c> or <c>[</c> is refused naming the file
    /// instead of being read as CSV (whose errors would then puzzle: "a header but no rows").
    /// <see cref="DatasetReader.ReadFile"/> sets it from the path when it is null.
    /// </summary>
    public string? FileName { get; init; }

    /// <summary>Throws when the options contradict each other.</summary>
    /// <exception cref="ArgumentException">An option is out of range or combined with one it cannot go with.</exception>
    public void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegative(MinExamples);
        ArgumentOutOfRangeException.ThrowIfNegative(MaxErrors);
        if (MaxLineBytes is int maxLine)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(maxLine, 1, nameof(MaxLineBytes));
        }

        if (GroupBy is not null && string.IsNullOrWhiteSpace(GroupBy))
        {
            throw new ArgumentException("group_by must name a field.", nameof(GroupBy));
        }

        if (OrderBy is not null && GroupBy is null)
        {
            throw new ArgumentException("order_by orders the records of one entity, so it needs group_by.", nameof(OrderBy));
        }

        if (OrderBy is not null && Format is { } format && format != DatasetFormat.Tabular)
        {
            throw new ArgumentException(
                $"order_by applies to tabular records only, not to {DatasetFormats.ToName(format)}.",
                nameof(OrderBy));
        }
    }
}
