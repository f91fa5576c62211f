namespace FineTune.Text.Data;

/// <summary>
/// Keeps the first record errors and counts the rest. File-level errors (empty file, undetectable format, a JSON
/// syntax error that ends the read, too few examples) are few and decisive, so they are always kept and listed first.
/// </summary>
internal sealed class ErrorCollector(int maxRecordErrors)
{
    private readonly List<DatasetError> _fileErrors = [];
    private readonly List<DatasetError> _recordErrors = [];

    public int TotalCount { get; private set; }

    public void Add(DatasetError error)
    {
        TotalCount++;
        if (_recordErrors.Count < maxRecordErrors)
        {
            _recordErrors.Add(error);
        }
    }

    public void AddFileLevel(DatasetError error)
    {
        TotalCount++;
        _fileErrors.Add(error);
    }

    public IReadOnlyList<DatasetError> ToList() => [.. _fileErrors, .. _recordErrors];
}
