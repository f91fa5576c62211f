namespace FineTune.Text.Data;

/// <summary>The record being converted: where it is, and whether any check on it failed. Reused across records.</summary>
internal sealed class RecordContext(ErrorCollector errors)
{
    public int Line { get; private set; }

    public int Index { get; private set; }

    public bool Failed { get; private set; }

    public void Reset(int line, int index)
    {
        Line = line;
        Index = index;
        Failed = false;
    }

    public void Fail(string? field, string message)
    {
        Failed = true;
        errors.Add(new DatasetError(Line, Index, field, message));
    }
}
