using System.Globalization;

namespace FineTune.Text.Data;

/// <summary>
/// Collects tabular rows by entity (the <c>group_by</c> value) and turns each entity into one example: its rows
/// ordered by <c>order_by</c> and joined by newlines. Entities come out in order of first appearance.
/// </summary>
internal sealed class TabularGroups
{
    private readonly Dictionary<string, List<Row>> _rowsByKey = new(StringComparer.Ordinal);
    private readonly List<string> _keysInOrder = [];

    public int Count => _keysInOrder.Count;

    public void Add(string key, string? orderKey, int line, int index, string json)
    {
        if (!_rowsByKey.TryGetValue(key, out List<Row>? rows))
        {
            rows = [];
            _rowsByKey.Add(key, rows);
            _keysInOrder.Add(key);
        }

        rows.Add(new Row(orderKey, line, index, json));
    }

    public IEnumerable<TrainingExample> ToExamples()
    {
        foreach (string key in _keysInOrder)
        {
            List<Row> rows = _rowsByKey[key];
            Row first = rows[0];
            rows.Sort(static (left, right) =>
            {
                int byOrder = CompareOrderKeys(left.OrderKey, right.OrderKey);
                return byOrder != 0 ? byOrder : left.Index.CompareTo(right.Index);
            });
            yield return new TrainingExample
            {
                Format = DatasetFormat.Tabular,
                Text = string.Join('\n', rows.Select(row => row.Json)),
                Line = first.Line,
                RecordIndex = first.Index,
                RecordCount = rows.Count,
                EntityKey = key,
            };
        }
    }

    /// <summary>
    /// Numbers compare by value (so 9 precedes 10), numbers precede text, and text compares ordinally (which also
    /// orders ISO 8601 dates and times correctly).
    /// </summary>
    private static int CompareOrderKeys(string? left, string? right)
    {
        if (left is null || right is null)
        {
            return left is null ? (right is null ? 0 : -1) : 1;
        }

        bool leftIsNumber = TryNumber(left, out double leftNumber);
        bool rightIsNumber = TryNumber(right, out double rightNumber);
        if (leftIsNumber && rightIsNumber)
        {
            return leftNumber.CompareTo(rightNumber);
        }

        if (leftIsNumber != rightIsNumber)
        {
            return leftIsNumber ? -1 : 1;
        }

        return string.CompareOrdinal(left, right);
    }

    private static bool TryNumber(string text, out double value) =>
        double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) && double.IsFinite(value);

    private readonly record struct Row(string? OrderKey, int Line, int Index, string Json);
}
