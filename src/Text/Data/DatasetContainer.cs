namespace FineTune.Text.Data;

/// <summary>The file syntax that holds the records, sniffed from the first non-whitespace byte.</summary>
public enum DatasetContainer
{
    /// <summary>One top-level JSON array of objects (first byte <c>[</c>).</summary>
    JsonArray,

    /// <summary>One JSON object per line (first byte <c>{</c>); blank lines are skipped.</summary>
    JsonLines,

    /// <summary>RFC 4180 comma-separated values with a header row (anything else).</summary>
    Csv,
}
