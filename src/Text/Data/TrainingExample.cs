namespace FineTune.Text.Data;

/// <summary>
/// One normalized training example: either a conversation (<see cref="Messages"/>, assistant turns trained) or raw
/// text (<see cref="Text"/>, every token trained). A later step renders it with a chat template and tokenizes it.
/// </summary>
public sealed record TrainingExample
{
    /// <summary>The format of the record(s) it came from; lets the renderer treat, say, prompt/completion specially.</summary>
    public required DatasetFormat Format { get; init; }

    /// <summary>The conversation in order; empty when the example is raw <see cref="Text"/>.</summary>
    public IReadOnlyList<ChatMessage> Messages { get; init; } = [];

    /// <summary>The raw text for <see cref="DatasetFormat.Text"/> and <see cref="DatasetFormat.Tabular"/>; otherwise null.</summary>
    public string? Text { get; init; }

    /// <summary>The tool definitions offered in the conversation, as a compact JSON array, or null when there are none.</summary>
    public string? Tools { get; init; }

    /// <summary>The 1-based line where the (first) source record starts.</summary>
    public int Line { get; init; }

    /// <summary>The 0-based index of the (first) source record among the file's records.</summary>
    public int RecordIndex { get; init; }

    /// <summary>How many source records were merged into this example (more than 1 only for grouped tabular records).</summary>
    public int RecordCount { get; init; } = 1;

    /// <summary>The value of the <c>group_by</c> field: the entity this example belongs to, for entity-level DP and splits.</summary>
    public string? EntityKey { get; init; }

    /// <summary>Whether the example is raw text rather than a conversation.</summary>
    public bool IsText => Text is not null;
}
