namespace FineTune.Text.Data;

/// <summary>What <see cref="DatasetReader"/> found: the examples, the counts, and every problem (the first ones in full).</summary>
public sealed record DatasetReadResult
{
    /// <summary>The record format, detected or named; null when the file is empty or no format could be detected.</summary>
    public DatasetFormat? Format { get; init; }

    /// <summary>The file syntax; null when the file is empty.</summary>
    public DatasetContainer? Container { get; init; }

    /// <summary>The usable examples in file order (grouped entities in order of first appearance); empty when not kept.</summary>
    public IReadOnlyList<TrainingExample> Examples { get; init; } = [];

    /// <summary>How many usable examples the file yields, whether or not they were kept.</summary>
    public int ExampleCount { get; init; }

    /// <summary>How many records the file holds, bad ones included (CSV: rows after the header).</summary>
    public int RecordCount { get; init; }

    /// <summary>How many bytes were read.</summary>
    public long ByteCount { get; init; }

    /// <summary>How many lines the file has.</summary>
    public int LineCount { get; init; }

    /// <summary>The kept errors: file-level ones first, then the first <see cref="DatasetReadOptions.MaxErrors"/> record errors.</summary>
    public IReadOnlyList<DatasetError> Errors { get; init; } = [];

    /// <summary>How many errors were found in all, including those not kept.</summary>
    public int TotalErrorCount { get; init; }

    /// <summary>Whether the file can be trained on as it is: no errors at all.</summary>
    public bool IsValid => TotalErrorCount == 0;

    /// <summary>Returns this result when it is valid, and otherwise throws with its errors.</summary>
    /// <returns>This result.</returns>
    /// <exception cref="DatasetValidationException">The file has at least one error.</exception>
    public DatasetReadResult EnsureValid()
    {
        if (!IsValid)
        {
            throw new DatasetValidationException(Errors, TotalErrorCount);
        }

        return this;
    }
}
